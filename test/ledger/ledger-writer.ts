// A child process for the kill test: appends large records to a file ledger in a loop and
// prints `committed <n> <id>` once each one is written and fsynced. The test kills it.
import { FileLedger } from '../../src/ledger/file.js';
import { writerRecord } from './writer-record.js';

const [path, sizeText, startText] = process.argv.slice(2) as [string, string, string];
const size = Number(sizeText);
const ledger = new FileLedger(path);

for (let n = Number(startText); ; n++) {
  const entry = await ledger.claim(writerRecord(n, size), null);
  await ledger.setStatus(entry.id, 'success', 'written by the kill test');
  process.stdout.write(`committed ${n} ${entry.id}\n`);
}
