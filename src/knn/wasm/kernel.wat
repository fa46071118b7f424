;; Exact inner-product kernel for neighbour search (WebAssembly SIMD).
;;
;; Assembled twice by scripts/build-wasm.mjs: as written (relaxed SIMD, `f32x4.relaxed_madd`)
;; and with every `(f32x4.relaxed_madd A B C)` rewritten to `(f32x4.add (f32x4.mul A B) C)`
;; for runtimes with plain SIMD only.
;;
;; Data layout (all offsets in bytes, all values float32):
;; - A "panel" holds P rows of `dim4` values (dim rounded up to a multiple of 4, zero padded),
;;   interleaved four values at a time: row 0 values 0..3, row 1 values 0..3, ..., row P-1
;;   values 0..3, then row 0 values 4..7, and so on. One pointer then walks every row of the
;;   panel with constant load offsets.
;; - Queries are packed in panels of 2 rows, corpus rows in panels of 6 rows: the scan keeps
;;   a 2 × 6 tile of accumulators (12 vectors) in registers, plus 2 query vectors and 1
;;   corpus vector: 15 registers, all V8 allocates on x86-64 (it keeps xmm15 as scratch).

(module
  (memory (export "memory") 1 65536)

  ;; pack(src, rows, dim, dim4, panel, dst)
  ;; Copies `rows` rows of `dim` floats (row-major at `src`) into panels of `panel` rows at
  ;; `dst`. The row count is rounded up to a whole number of panels; padding rows and
  ;; padding columns are zero.
  (func (export "pack")
    (param $src i32) (param $rows i32) (param $dim i32) (param $dim4 i32) (param $panel i32) (param $dst i32)
    (local $r i32) (local $j i32) (local $t i32) (local $padded i32) (local $in i32) (local $out i32) (local $stride i32)
    (local.set $padded
      (i32.mul (i32.div_u (i32.add (local.get $rows) (i32.sub (local.get $panel) (i32.const 1))) (local.get $panel))
               (local.get $panel)))
    ;; Bytes between one row's consecutive groups of four values.
    (local.set $stride (i32.shl (local.get $panel) (i32.const 4)))
    (local.set $r (i32.const 0))
    (block $rows_done
      (loop $each_row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $padded)))
        ;; out = dst + (r / panel) * panel * dim4 * 4 + (r % panel) * 16
        (local.set $out
          (i32.add (local.get $dst)
            (i32.add
              (i32.mul (i32.mul (i32.div_u (local.get $r) (local.get $panel)) (local.get $panel))
                       (i32.shl (local.get $dim4) (i32.const 2)))
              (i32.shl (i32.rem_u (local.get $r) (local.get $panel)) (i32.const 4)))))
        (local.set $in (i32.add (local.get $src) (i32.shl (i32.mul (local.get $r) (local.get $dim)) (i32.const 2))))
        (local.set $j (i32.const 0))
        (block $groups_done
          (loop $each_group
            (br_if $groups_done (i32.ge_u (local.get $j) (local.get $dim4)))
            (if (i32.and (i32.lt_u (local.get $r) (local.get $rows)) (i32.le_u (i32.add (local.get $j) (i32.const 4)) (local.get $dim)))
              (then
                ;; Four real values: one vector copy.
                (v128.store (local.get $out) (v128.load (i32.add (local.get $in) (i32.shl (local.get $j) (i32.const 2))))))
              (else
                ;; The row's last, partial group, or a padding row: value by value, zero past the end.
                (local.set $t (i32.const 0))
                (loop $each_value
                  (f32.store
                    (i32.add (local.get $out) (i32.shl (local.get $t) (i32.const 2)))
                    (if (result f32)
                      (i32.and (i32.lt_u (local.get $r) (local.get $rows))
                               (i32.lt_u (i32.add (local.get $j) (local.get $t)) (local.get $dim)))
                      (then (f32.load (i32.add (local.get $in) (i32.shl (i32.add (local.get $j) (local.get $t)) (i32.const 2)))))
                      (else (f32.const 0))))
                  (local.set $t (i32.add (local.get $t) (i32.const 1)))
                  (br_if $each_value (i32.lt_u (local.get $t) (i32.const 4))))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (local.set $out (i32.add (local.get $out) (local.get $stride)))
            (br $each_group)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $each_row))))

  ;; offer(acc, q, c, nc, scale, thr, hits) -> hits
  ;; Sums the four lanes of `acc` (the dot product of query q and corpus row c), multiplies
  ;; by scale[c] and, when c < nc and the score is at least thr[q], appends the hit
  ;; (q: i32, c: i32, score: f32) at `hits`. Returns the next free hit address.
  (func $offer
    (param $acc v128) (param $q i32) (param $c i32) (param $nc i32) (param $scale i32) (param $thr i32) (param $hits i32)
    (result i32)
    (local $score f32)
    (local.set $score
      (f32.mul
        ;; (l0 + l2) + (l1 + l3): the order $sums adds in.
        (f32.add
          (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 2 (local.get $acc)))
          (f32.add (f32x4.extract_lane 1 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc))))
        (f32.load (i32.add (local.get $scale) (i32.shl (local.get $c) (i32.const 2))))))
    (if (result i32)
      (i32.and
        (i32.lt_u (local.get $c) (local.get $nc))
        (f32.ge (local.get $score) (f32.load (i32.add (local.get $thr) (i32.shl (local.get $q) (i32.const 2))))))
      (then
        (i32.store (local.get $hits) (local.get $q))
        (i32.store offset=4 (local.get $hits) (local.get $c))
        (f32.store offset=8 (local.get $hits) (local.get $score))
        (i32.add (local.get $hits) (i32.const 12)))
      (else (local.get $hits))))

  ;; sums(a, b, c, d) -> (Σa, Σb, Σc, Σd): the lane sums of four accumulators at once.
  (func $sums (param $a v128) (param $b v128) (param $c v128) (param $d v128) (result v128)
    (local $ab v128) (local $cd v128)
    ;; ab = (a0+a2, b0+b2, a1+a3, b1+b3), cd likewise.
    (local.set $ab
      (f32x4.add (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b))
                 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b))))
    (local.set $cd
      (f32x4.add (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c) (local.get $d))
                 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c) (local.get $d))))
    (f32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab) (local.get $cd))
               (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab) (local.get $cd))))

  ;; any_at_least(sums, scales, thresholds, layout) -> whether any sums[i] * scales[i] is at
  ;; least its query's threshold. `thresholds` holds (thr[q], thr[q+1], …); layout 0: all
  ;; four scores are query q's, 1: all are query q+1's, 2: two of q's then two of q+1's.
  ;; A conservative filter: `offer` decides each hit exactly.
  (func $any_at_least (param $sums v128) (param $scales v128) (param $thresholds v128) (param $layout i32) (result i32)
    (local $bar v128)
    (local.set $bar
      (if (result v128) (i32.eqz (local.get $layout))
        (then (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $thresholds) (local.get $thresholds)))
        (else
          (if (result v128) (i32.eq (local.get $layout) (i32.const 1))
            (then (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $thresholds) (local.get $thresholds)))
            (else (i8x16.shuffle 0 1 2 3 0 1 2 3 4 5 6 7 4 5 6 7 (local.get $thresholds) (local.get $thresholds)))))))
    (v128.any_true (f32x4.ge (f32x4.mul (local.get $sums) (local.get $scales)) (local.get $bar))))

  ;; scan(queries, nq, corpus, nc, dim4, scale, thr, hits) -> number of hits
  ;; `queries`: nq rows packed in panels of 2 (nq even); `corpus`: nc rows packed in panels
  ;; of 6 (padding rows are never reported); `scale`: nc floats (corpus row scale, 1 for a
  ;; raw inner product); `thr`: nq floats (a query's lowest score worth reporting). Writes
  ;; every (q, c, score) with score >= thr[q] at `hits`, 12 bytes each.
  (func (export "scan")
    (param $queries i32) (param $nq i32) (param $corpus i32) (param $nc i32) (param $dim4 i32)
    (param $scale i32) (param $thr i32) (param $hits i32)
    (result i32)
    (local $q i32) (local $c i32) (local $a i32) (local $b i32) (local $end i32)
    (local $query_panel i32) (local $start i32)
    (local $x0 v128) (local $x1 v128) (local $y v128)
    (local $s00 v128) (local $s01 v128) (local $s02 v128) (local $s03 v128) (local $s04 v128) (local $s05 v128)
    (local $s10 v128) (local $s11 v128) (local $s12 v128) (local $s13 v128) (local $s14 v128) (local $s15 v128)
    (local.set $start (local.get $hits))
    (local.set $q (i32.const 0))
    (block $queries_done
      (loop $each_query_panel
        (br_if $queries_done (i32.ge_u (local.get $q) (local.get $nq)))
        (local.set $query_panel
          (i32.add (local.get $queries) (i32.shl (i32.mul (local.get $q) (local.get $dim4)) (i32.const 2))))
        (local.set $c (i32.const 0))
        (block $corpus_done
          (loop $each_corpus_panel
            (br_if $corpus_done (i32.ge_u (local.get $c) (local.get $nc)))
            (local.set $a (local.get $query_panel))
            (local.set $b
              (i32.add (local.get $corpus) (i32.shl (i32.mul (local.get $c) (local.get $dim4)) (i32.const 2))))
            ;; The panel ends after 6 rows × dim4 floats.
            (local.set $end (i32.add (local.get $b) (i32.mul (local.get $dim4) (i32.const 24))))
            (local.set $s00 (v128.const i64x2 0 0)) (local.set $s01 (v128.const i64x2 0 0)) (local.set $s02 (v128.const i64x2 0 0)) (local.set $s03 (v128.const i64x2 0 0)) (local.set $s04 (v128.const i64x2 0 0)) (local.set $s05 (v128.const i64x2 0 0))
            (local.set $s10 (v128.const i64x2 0 0)) (local.set $s11 (v128.const i64x2 0 0)) (local.set $s12 (v128.const i64x2 0 0)) (local.set $s13 (v128.const i64x2 0 0)) (local.set $s14 (v128.const i64x2 0 0)) (local.set $s15 (v128.const i64x2 0 0))
            ;; One step: values 4t..4t+3 of the 2 queries against the 6 corpus rows.
            (loop $each_step
              (local.set $x0 (v128.load offset=0 (local.get $a)))
              (local.set $x1 (v128.load offset=16 (local.get $a)))
              (local.set $y (v128.load offset=0 (local.get $b)))
              (local.set $s00 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $s00)))
              (local.set $s10 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $s10)))
              (local.set $y (v128.load offset=16 (local.get $b)))
              (local.set $s01 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $s01)))
              (local.set $s11 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $s11)))
              (local.set $y (v128.load offset=32 (local.get $b)))
              (local.set $s02 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $s02)))
              (local.set $s12 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $s12)))
              (local.set $y (v128.load offset=48 (local.get $b)))
              (local.set $s03 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $s03)))
              (local.set $s13 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $s13)))
              (local.set $y (v128.load offset=64 (local.get $b)))
              (local.set $s04 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $s04)))
              (local.set $s14 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $s14)))
              (local.set $y (v128.load offset=80 (local.get $b)))
              (local.set $s05 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $s05)))
              (local.set $s15 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $s15)))
              (local.set $a (i32.add (local.get $a) (i32.const 32)))
              (local.set $b (i32.add (local.get $b) (i32.const 96)))
              (br_if $each_step (i32.lt_u (local.get $b) (local.get $end))))
            ;; Reduce the tile to three vectors of four scores and look for any at or above
            ;; its query's threshold; only then (rarely, once the thresholds have risen)
            ;; report the group's scores one by one.
            (if (call $any_at_least
                  (call $sums (local.get $s00) (local.get $s01) (local.get $s02) (local.get $s03))
                  (v128.load (i32.add (local.get $scale) (i32.shl (local.get $c) (i32.const 2))))
                  (v128.load64_splat (i32.add (local.get $thr) (i32.shl (local.get $q) (i32.const 2))))
                  (i32.const 0))
              (then
                (local.set $hits (call $offer (local.get $s00) (local.get $q) (local.get $c) (local.get $nc) (local.get $scale) (local.get $thr) (local.get $hits)))
                (local.set $hits (call $offer (local.get $s01) (local.get $q) (i32.add (local.get $c) (i32.const 1)) (local.get $nc) (local.get $scale) (local.get $thr) (local.get $hits)))
                (local.set $hits (call $offer (local.get $s02) (local.get $q) (i32.add (local.get $c) (i32.const 2)) (local.get $nc) (local.get $scale) (local.get $thr) (local.get $hits)))
                (local.set $hits (call $offer (local.get $s03) (local.get $q) (i32.add (local.get $c) (i32.const 3)) (local.get $nc) (local.get $scale) (local.get $thr) (local.get $hits)))))
            (if (call $any_at_least
                  (call $sums (local.get $s10) (local.get $s11) (local.get $s12) (local.get $s13))
                  (v128.load (i32.add (local.get $scale) (i32.shl (local.get $c) (i32.const 2))))
                  (v128.load64_splat (i32.add (local.get $thr) (i32.shl (local.get $q) (i32.const 2))))
                  (i32.const 1))
              (then
                (local.set $hits (call $offer (local.get $s10) (i32.add (local.get $q) (i32.const 1)) (local.get $c) (local.get $nc) (local.get $scale) (local.get $thr) (local.get $hits)))
                (local.set $hits (call $offer (local.get $s11) (i32.add (local.get $q) (i32.const 1)) (i32.add (local.get $c) (i32.const 1)) (local.get $nc) (local.get $scale) (local.get $thr) (local.get $hits)))
                (local.set $hits (call $offer (local.get $s12) (i32.add (local.get $q) (i32.const 1)) (i32.add (local.get $c) (i32.const 2)) (local.get $nc) (local.get $scale) (local.get $thr) (local.get $hits)))
                (local.set $hits (call $offer (local.get $s13) (i32.add (local.get $q) (i32.const 1)) (i32.add (local.get $c) (i32.const 3)) (local.get $nc) (local.get $scale) (local.get $thr) (local.get $hits)))))
            (if (call $any_at_least
                  (call $sums (local.get $s04) (local.get $s05) (local.get $s14) (local.get $s15))
                  ;; scales of rows c+4, c+5, c+4, c+5
                  (v128.load64_splat offset=16 (i32.add (local.get $scale) (i32.shl (local.get $c) (i32.const 2))))
                  (v128.load64_splat (i32.add (local.get $thr) (i32.shl (local.get $q) (i32.const 2))))
                  (i32.const 2))
              (then
                (local.set $hits (call $offer (local.get $s04) (local.get $q) (i32.add (local.get $c) (i32.const 4)) (local.get $nc) (local.get $scale) (local.get $thr) (local.get $hits)))
                (local.set $hits (call $offer (local.get $s05) (local.get $q) (i32.add (local.get $c) (i32.const 5)) (local.get $nc) (local.get $scale) (local.get $thr) (local.get $hits)))
                (local.set $hits (call $offer (local.get $s14) (i32.add (local.get $q) (i32.const 1)) (i32.add (local.get $c) (i32.const 4)) (local.get $nc) (local.get $scale) (local.get $thr) (local.get $hits)))
                (local.set $hits (call $offer (local.get $s15) (i32.add (local.get $q) (i32.const 1)) (i32.add (local.get $c) (i32.const 5)) (local.get $nc) (local.get $scale) (local.get $thr) (local.get $hits)))))
            (local.set $c (i32.add (local.get $c) (i32.const 6)))
            (br $each_corpus_panel)))
        (local.set $q (i32.add (local.get $q) (i32.const 2)))
        (br $each_query_panel)))
    (i32.div_u (i32.sub (local.get $hits) (local.get $start)) (i32.const 12)))
)
