;; Int8 prefilter kernel for exact neighbour search (relaxed SIMD only).
;;
;; Queries are quantised to 8 bits (v in [-127, 127], x ≈ s·v) and corpus rows to 7 bits
;; (v in [-63, 63], stored as v + 64 in [1, 127], the unsigned 7-bit operand of
;; `i32x4.relaxed_dot_i8x16_i7x16_add_s`). The integer dot product is exact; with the
;; quantisation errors' norms it gives each score an interval [A − b, A + b] that
;; certainly holds the reference score (see src/knn/scan-int8.ts). Only pairs whose upper
;; end reaches the query's threshold are reported; they are scored in float32 (`dots`),
;; and the few that can still reach the top k are rescored exactly.
;;
;; Layout: panels as in kernel.wat, but of bytes, 16 at a time: query panels of 2 rows,
;; corpus panels of 6 rows, `dim16` (dim rounded up to 16) bytes per row.

(module
  (memory (export "memory") 1 65536)

  ;; quantise(src, rows, dim, dim16, panel, levels, offset, dst, scales, err2, sums)
  ;; Quantises `rows` rows of `dim` floats at `src` into byte panels at `dst`: per row the
  ;; scale s = max|x| / levels (f32 at scales[r]), v = nearest(x / s) stored as v + offset,
  ;; the squared error norm Σ (x − s·v)² at err2[r] (float64; the sum of groups of sixteen
  ;; values is computed in float32, see scan-int8.ts) and Σ v (i32) at sums[r].
  ;; Padding rows (up to a whole panel) and padding columns are v = 0.
  (func (export "quantise")
    (param $src i32) (param $rows i32) (param $dim i32) (param $dim16 i32) (param $panel i32)
    (param $levels f32) (param $offset i32) (param $dst i32) (param $scales i32) (param $err2 i32) (param $sums i32)
    (local $r i32) (local $j i32) (local $padded i32) (local $in i32) (local $out i32)
    (local $max f32) (local $s f32) (local $inv f32) (local $x f32) (local $v f32) (local $e f64)
    (local $err f64) (local $sum i32) (local $vi i32) (local $t i32) (local $p i32)
    (local $vinv v128) (local $vs v128) (local $vlev v128) (local $vneg v128) (local $verr v128) (local $vsum v128)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $e0 v128) (local $e1 v128) (local $e2 v128) (local $e3 v128)
    (local $i0 v128) (local $i1 v128) (local $i2 v128) (local $i3 v128)
    (local.set $padded
      (i32.mul (i32.div_u (i32.add (local.get $rows) (i32.sub (local.get $panel) (i32.const 1))) (local.get $panel))
               (local.get $panel)))
    (local.set $r (i32.const 0))
    (block $rows_done
      (loop $each_row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $padded)))
        (local.set $in (i32.add (local.get $src) (i32.shl (i32.mul (local.get $r) (local.get $dim)) (i32.const 2))))
        ;; max |x| over the row (0 for a padding row)
        (local.set $max (f32.const 0))
        (if (i32.lt_u (local.get $r) (local.get $rows))
          (then
            ;; four lanes at a time, then the last dim % 4 values one by one
            (local.set $x0 (v128.const i64x2 0 0))
            (local.set $j (i32.const 0))
            (block $max4_done
              (loop $each_max4
                (br_if $max4_done (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $dim)))
                (local.set $x0 (f32x4.max (local.get $x0)
                  (f32x4.abs (v128.load (i32.add (local.get $in) (i32.shl (local.get $j) (i32.const 2)))))))
                (local.set $j (i32.add (local.get $j) (i32.const 4)))
                (br $each_max4)))
            (local.set $max
              (f32.max
                (f32.max (f32x4.extract_lane 0 (local.get $x0)) (f32x4.extract_lane 1 (local.get $x0)))
                (f32.max (f32x4.extract_lane 2 (local.get $x0)) (f32x4.extract_lane 3 (local.get $x0)))))
            (block $max_done
              (loop $each_max
                (br_if $max_done (i32.ge_u (local.get $j) (local.get $dim)))
                (local.set $max (f32.max (local.get $max)
                  (f32.abs (f32.load (i32.add (local.get $in) (i32.shl (local.get $j) (i32.const 2)))))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $each_max)))))
        (local.set $s (f32.div (local.get $max) (local.get $levels)))
        ;; A row of tiny values (or zeros) quantises to v = 0: its error is the row itself.
        (local.set $inv
          (if (result f32) (f32.gt (local.get $max) (f32.const 0x1p-100))
            (then (f32.div (local.get $levels) (local.get $max)))
            (else (f32.const 0))))
        ;; out = dst + (r / panel) * panel * dim16 + (r % panel) * 16
        (local.set $out
          (i32.add (local.get $dst)
            (i32.add
              (i32.mul (i32.mul (i32.div_u (local.get $r) (local.get $panel)) (local.get $panel)) (local.get $dim16))
              (i32.shl (i32.rem_u (local.get $r) (local.get $panel)) (i32.const 4)))))
        (local.set $err (f64.const 0))
        (local.set $sum (i32.const 0))
        (local.set $j (i32.const 0))
        (local.set $vinv (f32x4.splat (local.get $inv)))
        (local.set $vs (f32x4.splat (local.get $s)))
        (local.set $vlev (f32x4.splat (local.get $levels)))
        (local.set $vneg (f32x4.splat (f32.neg (local.get $levels))))
        (block $values_done
          (loop $each_group
            (br_if $values_done (i32.ge_u (local.get $j) (local.get $dim16)))
            (if (i32.and (i32.lt_u (local.get $r) (local.get $rows)) (i32.le_u (i32.add (local.get $j) (i32.const 16)) (local.get $dim)))
              (then
                ;; Sixteen real values at once. The error is computed in float32 here; the
                ;; caller widens the norm for that rounding (see scan-int8.ts).
                (local.set $p (i32.add (local.get $in) (i32.shl (local.get $j) (i32.const 2))))
                (local.set $x0 (v128.load offset=0 (local.get $p)))
                (local.set $x1 (v128.load offset=16 (local.get $p)))
                (local.set $x2 (v128.load offset=32 (local.get $p)))
                (local.set $x3 (v128.load offset=48 (local.get $p)))
                (local.set $v0 (f32x4.min (local.get $vlev) (f32x4.max (local.get $vneg) (f32x4.nearest (f32x4.mul (local.get $x0) (local.get $vinv))))))
                (local.set $v1 (f32x4.min (local.get $vlev) (f32x4.max (local.get $vneg) (f32x4.nearest (f32x4.mul (local.get $x1) (local.get $vinv))))))
                (local.set $v2 (f32x4.min (local.get $vlev) (f32x4.max (local.get $vneg) (f32x4.nearest (f32x4.mul (local.get $x2) (local.get $vinv))))))
                (local.set $v3 (f32x4.min (local.get $vlev) (f32x4.max (local.get $vneg) (f32x4.nearest (f32x4.mul (local.get $x3) (local.get $vinv))))))
                (local.set $e0 (f32x4.sub (local.get $x0) (f32x4.mul (local.get $vs) (local.get $v0))))
                (local.set $e1 (f32x4.sub (local.get $x1) (f32x4.mul (local.get $vs) (local.get $v1))))
                (local.set $e2 (f32x4.sub (local.get $x2) (f32x4.mul (local.get $vs) (local.get $v2))))
                (local.set $e3 (f32x4.sub (local.get $x3) (f32x4.mul (local.get $vs) (local.get $v3))))
                (local.set $verr (f32x4.add (local.get $verr)
                  (f32x4.add (f32x4.add (f32x4.mul (local.get $e0) (local.get $e0)) (f32x4.mul (local.get $e1) (local.get $e1)))
                             (f32x4.add (f32x4.mul (local.get $e2) (local.get $e2)) (f32x4.mul (local.get $e3) (local.get $e3))))))
                (local.set $i0 (i32x4.trunc_sat_f32x4_s (local.get $v0)))
                (local.set $i1 (i32x4.trunc_sat_f32x4_s (local.get $v1)))
                (local.set $i2 (i32x4.trunc_sat_f32x4_s (local.get $v2)))
                (local.set $i3 (i32x4.trunc_sat_f32x4_s (local.get $v3)))
                (local.set $vsum (i32x4.add (local.get $vsum)
                  (i32x4.add (i32x4.add (local.get $i0) (local.get $i1)) (i32x4.add (local.get $i2) (local.get $i3)))))
                (v128.store
                  (i32.add (local.get $out) (i32.mul (i32.shr_u (local.get $j) (i32.const 4)) (i32.shl (local.get $panel) (i32.const 4))))
                  (i8x16.add
                    (i8x16.narrow_i16x8_s
                      (i16x8.narrow_i32x4_s (local.get $i0) (local.get $i1))
                      (i16x8.narrow_i32x4_s (local.get $i2) (local.get $i3)))
                    (i8x16.splat (local.get $offset))))
                (local.set $j (i32.add (local.get $j) (i32.const 16))))
              (else
                ;; The row's last, partial group, or a padding row: value by value.
                (local.set $t (i32.const 0))
                (loop $each_value
                  (local.set $x
                    (if (result f32) (i32.and (i32.lt_u (local.get $r) (local.get $rows)) (i32.lt_u (local.get $j) (local.get $dim)))
                      (then (f32.load (i32.add (local.get $in) (i32.shl (local.get $j) (i32.const 2)))))
                      (else (f32.const 0))))
                  (local.set $v
                    (f32.min (local.get $levels)
                      (f32.max (f32.neg (local.get $levels)) (f32.nearest (f32.mul (local.get $x) (local.get $inv))))))
                  (local.set $vi (i32.trunc_sat_f32_s (local.get $v)))
                  (i32.store8
                    (i32.add (local.get $out)
                      (i32.add (i32.mul (i32.shr_u (local.get $j) (i32.const 4)) (i32.shl (local.get $panel) (i32.const 4)))
                               (i32.and (local.get $j) (i32.const 15))))
                    (i32.add (local.get $vi) (local.get $offset)))
                  (local.set $e (f64.sub (f64.promote_f32 (local.get $x)) (f64.mul (f64.promote_f32 (local.get $s)) (f64.convert_i32_s (local.get $vi)))))
                  (local.set $err (f64.add (local.get $err) (f64.mul (local.get $e) (local.get $e))))
                  (local.set $sum (i32.add (local.get $sum) (local.get $vi)))
                  (local.set $j (i32.add (local.get $j) (i32.const 1)))
                  (local.set $t (i32.add (local.get $t) (i32.const 1)))
                  (br_if $each_value (i32.lt_u (local.get $t) (i32.const 16))))))
            (br $each_group)))
        ;; Fold the vector sums into the scalar ones.
        (local.set $err (f64.add (local.get $err)
          (f64.promote_f32 (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $verr)) (f32x4.extract_lane 1 (local.get $verr)))
            (f32.add (f32x4.extract_lane 2 (local.get $verr)) (f32x4.extract_lane 3 (local.get $verr)))))))
        (local.set $sum (i32.add (local.get $sum)
          (i32.add
            (i32.add (i32x4.extract_lane 0 (local.get $vsum)) (i32x4.extract_lane 1 (local.get $vsum)))
            (i32.add (i32x4.extract_lane 2 (local.get $vsum)) (i32x4.extract_lane 3 (local.get $vsum))))))
        (local.set $verr (v128.const i64x2 0 0))
        (local.set $vsum (v128.const i64x2 0 0))
        (f32.store (i32.add (local.get $scales) (i32.shl (local.get $r) (i32.const 2))) (local.get $s))
        (f64.store (i32.add (local.get $err2) (i32.shl (local.get $r) (i32.const 3))) (local.get $err))
        (i32.store (i32.add (local.get $sums) (i32.shl (local.get $r) (i32.const 2))) (local.get $sum))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $each_row))))

;; dots(query, rows, dim, picks, n, out): out[i] = Σ_j query[j] · row[j] in float32
  ;; (relaxed fused multiply-add, any order) for the row at rows + picks[i]·dim floats, i < n:
  ;; the float32 scores of the pairs the int8 scan reports, whose bounds are much tighter.
  (func (export "dots") (param $query i32) (param $rows i32) (param $dim i32) (param $picks i32) (param $n i32) (param $out i32)
    (local $i i32) (local $j i32) (local $row i32) (local $acc0 v128) (local $acc1 v128) (local $sum f32)
    (local.set $i (i32.const 0))
    (block $rows_done
      (loop $each_row
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $row (i32.add (local.get $rows)
          (i32.shl (i32.mul (i32.load (i32.add (local.get $picks) (i32.shl (local.get $i) (i32.const 2)))) (local.get $dim)) (i32.const 2))))
        (local.set $acc0 (v128.const i64x2 0 0))
        (local.set $acc1 (v128.const i64x2 0 0))
        (local.set $j (i32.const 0))
        (block $pairs_done
          (loop $each_pair
            (br_if $pairs_done (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $dim)))
            (local.set $acc0 (f32x4.relaxed_madd
              (v128.load (i32.add (local.get $query) (i32.shl (local.get $j) (i32.const 2))))
              (v128.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))))
              (local.get $acc0)))
            (local.set $acc1 (f32x4.relaxed_madd
              (v128.load offset=16 (i32.add (local.get $query) (i32.shl (local.get $j) (i32.const 2))))
              (v128.load offset=16 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))))
              (local.get $acc1)))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $each_pair)))
        (local.set $acc0 (f32x4.add (local.get $acc0) (local.get $acc1)))
        (local.set $sum
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
            (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0)))))
        (block $tail_done
          (loop $each_tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $dim)))
            (local.set $sum (f32.add (local.get $sum)
              (f32.mul (f32.load (i32.add (local.get $query) (i32.shl (local.get $j) (i32.const 2))))
                       (f32.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2)))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $each_tail)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))) (local.get $sum))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each_row))))

  ;; sums(a, b, c, d) -> (Σa, Σb, Σc, Σd) for i32 lanes.
  (func $sums (param $a v128) (param $b v128) (param $c v128) (param $d v128) (result v128)
    (local $ab v128) (local $cd v128)
    (local.set $ab
      (i32x4.add (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b))
                 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b))))
    (local.set $cd
      (i32x4.add (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c) (local.get $d))
                 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c) (local.get $d))))
    (i32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab) (local.get $cd))
               (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab) (local.get $cd))))

  ;; emit(hits, q, c, nc, u, thr) -> hits: appends (q, c) when c < nc and u >= thr.
  (func $emit (param $hits i32) (param $q i32) (param $c i32) (param $nc i32) (param $u f32) (param $thr f32) (result i32)
    (if (result i32) (i32.and (i32.lt_u (local.get $c) (local.get $nc)) (f32.ge (local.get $u) (local.get $thr)))
      (then
        (i32.store (local.get $hits) (local.get $q))
        (i32.store offset=4 (local.get $hits) (local.get $c))
        (i32.add (local.get $hits) (i32.const 8)))
      (else (local.get $hits))))

  ;; group(sums, qs, scale, u, v, layout, q, c, nc, hits) -> hits
  ;; One group of four scores of the tile. `qs` points at the query pair's statistics for
  ;; this group's layout: 64·Σv (i32x4), s (f32x4), ‖e‖ (f32x4), ‖x‖ (f32x4), threshold
  ;; (f32x4), 16 bytes each. `scale`, `u`, `v` hold the four corpus rows' statistics. The
  ;; lanes are (q + lq[i], c + lc[i]) with lq, lc given by `layout` (see scan8).
  (func $group
    (param $sums v128) (param $qs i32) (param $scale v128) (param $u v128) (param $v v128)
    (param $layout i32) (param $q i32) (param $c i32) (param $nc i32) (param $hits i32) (result i32)
    (local $a v128) (local $b v128) (local $up v128) (local $thr v128)
    ;; a = (Σ v_q·(v_c + 64) − 64·Σ v_q) · s_q · s_c: the exact integer dot, scaled.
    (local.set $a
      (f32x4.mul
        (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (local.get $sums) (v128.load (local.get $qs))))
                   (v128.load offset=16 (local.get $qs)))
        (local.get $scale)))
    ;; b = ‖e_q‖·u_c + ‖q‖·v_c
    (local.set $b
      (f32x4.relaxed_madd (v128.load offset=32 (local.get $qs)) (local.get $u)
        (f32x4.mul (v128.load offset=48 (local.get $qs)) (local.get $v))))
    (local.set $up (f32x4.add (local.get $a) (local.get $b)))
    (local.set $thr (v128.load offset=64 (local.get $qs)))
    (if (v128.any_true (f32x4.ge (local.get $up) (local.get $thr)))
      (then
        (if (i32.lt_u (local.get $layout) (i32.const 2))
          (then
            ;; lanes: (q + layout, c), (q + layout, c + 1), (q + layout, c + 2), (q + layout, c + 3)
            (local.set $q (i32.add (local.get $q) (local.get $layout)))
            (local.set $hits (call $emit (local.get $hits) (local.get $q) (local.get $c) (local.get $nc)
              (f32x4.extract_lane 0 (local.get $up)) (f32x4.extract_lane 0 (local.get $thr))))
            (local.set $hits (call $emit (local.get $hits) (local.get $q) (i32.add (local.get $c) (i32.const 1)) (local.get $nc)
              (f32x4.extract_lane 1 (local.get $up)) (f32x4.extract_lane 1 (local.get $thr))))
            (local.set $hits (call $emit (local.get $hits) (local.get $q) (i32.add (local.get $c) (i32.const 2)) (local.get $nc)
              (f32x4.extract_lane 2 (local.get $up)) (f32x4.extract_lane 2 (local.get $thr))))
            (local.set $hits (call $emit (local.get $hits) (local.get $q) (i32.add (local.get $c) (i32.const 3)) (local.get $nc)
              (f32x4.extract_lane 3 (local.get $up)) (f32x4.extract_lane 3 (local.get $thr)))))
          (else
            ;; lanes: (q, c + 4), (q, c + 5), (q + 1, c + 4), (q + 1, c + 5)
            (local.set $hits (call $emit (local.get $hits) (local.get $q) (i32.add (local.get $c) (i32.const 4)) (local.get $nc)
              (f32x4.extract_lane 0 (local.get $up)) (f32x4.extract_lane 0 (local.get $thr))))
            (local.set $hits (call $emit (local.get $hits) (local.get $q) (i32.add (local.get $c) (i32.const 5)) (local.get $nc)
              (f32x4.extract_lane 1 (local.get $up)) (f32x4.extract_lane 1 (local.get $thr))))
            (local.set $hits (call $emit (local.get $hits) (i32.add (local.get $q) (i32.const 1)) (i32.add (local.get $c) (i32.const 4)) (local.get $nc)
              (f32x4.extract_lane 2 (local.get $up)) (f32x4.extract_lane 2 (local.get $thr))))
            (local.set $hits (call $emit (local.get $hits) (i32.add (local.get $q) (i32.const 1)) (i32.add (local.get $c) (i32.const 5)) (local.get $nc)
              (f32x4.extract_lane 3 (local.get $up)) (f32x4.extract_lane 3 (local.get $thr))))))))
    (local.get $hits))

  ;; scan8(queries, nq, corpus, nc, dim16, qstats, scale, u, v, hits) -> number of hits
  ;; `queries`: nq (even) rows in byte panels of 2; `corpus`: nc rows in byte panels of 6.
  ;; `qstats`: per query pair, three layouts × 80 bytes (see $group): layout 0 = both
  ;; statistics of query q, 1 = of query q + 1, 2 = (q, q, q + 1, q + 1). `scale`, `u`,
  ;; `v`: f32 per corpus row. Writes (q, c) hits of 8 bytes each at `hits`.
  (func (export "scan8")
    (param $queries i32) (param $nq i32) (param $corpus i32) (param $nc i32) (param $dim16 i32)
    (param $qstats i32) (param $scale i32) (param $u i32) (param $v i32) (param $hits i32)
    (result i32)
    (local $q i32) (local $c i32) (local $a i32) (local $b i32) (local $end i32)
    (local $query_panel i32) (local $start i32) (local $qs i32) (local $cs i32)
    (local $x0 v128) (local $x1 v128) (local $y v128)
    (local $s00 v128) (local $s01 v128) (local $s02 v128) (local $s03 v128) (local $s04 v128) (local $s05 v128)
    (local $s10 v128) (local $s11 v128) (local $s12 v128) (local $s13 v128) (local $s14 v128) (local $s15 v128)
    (local.set $start (local.get $hits))
    (local.set $q (i32.const 0))
    (block $queries_done
      (loop $each_query_panel
        (br_if $queries_done (i32.ge_u (local.get $q) (local.get $nq)))
        (local.set $query_panel (i32.add (local.get $queries) (i32.mul (local.get $q) (local.get $dim16))))
        ;; 240 bytes of statistics per query pair
        (local.set $qs (i32.add (local.get $qstats) (i32.mul (i32.shr_u (local.get $q) (i32.const 1)) (i32.const 240))))
        (local.set $c (i32.const 0))
        (block $corpus_done
          (loop $each_corpus_panel
            (br_if $corpus_done (i32.ge_u (local.get $c) (local.get $nc)))
            (local.set $a (local.get $query_panel))
            (local.set $b (i32.add (local.get $corpus) (i32.mul (local.get $c) (local.get $dim16))))
            (local.set $end (i32.add (local.get $b) (i32.mul (local.get $dim16) (i32.const 6))))
            (local.set $s00 (v128.const i64x2 0 0)) (local.set $s01 (v128.const i64x2 0 0)) (local.set $s02 (v128.const i64x2 0 0))
            (local.set $s03 (v128.const i64x2 0 0)) (local.set $s04 (v128.const i64x2 0 0)) (local.set $s05 (v128.const i64x2 0 0))
            (local.set $s10 (v128.const i64x2 0 0)) (local.set $s11 (v128.const i64x2 0 0)) (local.set $s12 (v128.const i64x2 0 0))
            (local.set $s13 (v128.const i64x2 0 0)) (local.set $s14 (v128.const i64x2 0 0)) (local.set $s15 (v128.const i64x2 0 0))
            ;; One step: bytes 16t..16t+15 of the 2 queries against the 6 corpus rows.
            (loop $each_step
              (local.set $x0 (v128.load offset=0 (local.get $a)))
              (local.set $x1 (v128.load offset=16 (local.get $a)))
              (local.set $y (v128.load offset=0 (local.get $b)))
              (local.set $s00 (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $x0) (local.get $y) (local.get $s00)))
              (local.set $s10 (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $x1) (local.get $y) (local.get $s10)))
              (local.set $y (v128.load offset=16 (local.get $b)))
              (local.set $s01 (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $x0) (local.get $y) (local.get $s01)))
              (local.set $s11 (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $x1) (local.get $y) (local.get $s11)))
              (local.set $y (v128.load offset=32 (local.get $b)))
              (local.set $s02 (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $x0) (local.get $y) (local.get $s02)))
              (local.set $s12 (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $x1) (local.get $y) (local.get $s12)))
              (local.set $y (v128.load offset=48 (local.get $b)))
              (local.set $s03 (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $x0) (local.get $y) (local.get $s03)))
              (local.set $s13 (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $x1) (local.get $y) (local.get $s13)))
              (local.set $y (v128.load offset=64 (local.get $b)))
              (local.set $s04 (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $x0) (local.get $y) (local.get $s04)))
              (local.set $s14 (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $x1) (local.get $y) (local.get $s14)))
              (local.set $y (v128.load offset=80 (local.get $b)))
              (local.set $s05 (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $x0) (local.get $y) (local.get $s05)))
              (local.set $s15 (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $x1) (local.get $y) (local.get $s15)))
              (local.set $a (i32.add (local.get $a) (i32.const 32)))
              (local.set $b (i32.add (local.get $b) (i32.const 96)))
              (br_if $each_step (i32.lt_u (local.get $b) (local.get $end))))
            (local.set $cs (i32.shl (local.get $c) (i32.const 2)))
            (local.set $hits (call $group
              (call $sums (local.get $s00) (local.get $s01) (local.get $s02) (local.get $s03))
              (local.get $qs)
              (v128.load (i32.add (local.get $scale) (local.get $cs)))
              (v128.load (i32.add (local.get $u) (local.get $cs)))
              (v128.load (i32.add (local.get $v) (local.get $cs)))
              (i32.const 0) (local.get $q) (local.get $c) (local.get $nc) (local.get $hits)))
            (local.set $hits (call $group
              (call $sums (local.get $s10) (local.get $s11) (local.get $s12) (local.get $s13))
              (i32.add (local.get $qs) (i32.const 80))
              (v128.load (i32.add (local.get $scale) (local.get $cs)))
              (v128.load (i32.add (local.get $u) (local.get $cs)))
              (v128.load (i32.add (local.get $v) (local.get $cs)))
              (i32.const 1) (local.get $q) (local.get $c) (local.get $nc) (local.get $hits)))
            ;; rows c + 4, c + 5, c + 4, c + 5
            (local.set $hits (call $group
              (call $sums (local.get $s04) (local.get $s05) (local.get $s14) (local.get $s15))
              (i32.add (local.get $qs) (i32.const 160))
              (v128.load64_splat offset=16 (i32.add (local.get $scale) (local.get $cs)))
              (v128.load64_splat offset=16 (i32.add (local.get $u) (local.get $cs)))
              (v128.load64_splat offset=16 (i32.add (local.get $v) (local.get $cs)))
              (i32.const 2) (local.get $q) (local.get $c) (local.get $nc) (local.get $hits)))
            (local.set $c (i32.add (local.get $c) (i32.const 6)))
            (br $each_corpus_panel)))
        (local.set $q (i32.add (local.get $q) (i32.const 2)))
        (br $each_query_panel)))
    (i32.shr_u (i32.sub (local.get $hits) (local.get $start)) (i32.const 3)))
)
