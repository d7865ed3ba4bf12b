// Worker entry: registers tsx in the worker (workers do not inherit `--import tsx`), then loads the TypeScript
// module named in `workerData.module`.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.module);
