/**
 * Preloaded into a profiled server (`PROFILE_ALLOCATIONS=1 npx tsx bench/profile.ts`): samples what the
 * main thread allocates, the objects garbage collection has already freed included (a CPU profile shows
 * those only as the collector's time), from a SIGUSR2 (the profiler sends it when its measured window
 * starts) to the process's exit, where the sampled profile is written to `WEIR_ALLOCATION_SAMPLE_DIR`.
 */
import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';

const outDir = process.env.WEIR_ALLOCATION_SAMPLE_DIR;

if (outDir) {
  const session = new inspector.Session();
  session.connect();
  session.post('HeapProfiler.enable');
  process.once('SIGUSR2', () => {
    // One sample per 16 KiB allocated on average: a few thousand samples per second under load.
    session.post('HeapProfiler.startSampling', {
      samplingInterval: 16_384,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  });
  // The main thread's own session answers synchronously, so the profile can be written at exit.
  process.on('exit', () => {
    session.post('HeapProfiler.stopSampling', (error, result) => {
      if (!error) fs.writeFileSync(path.join(outDir, 'main.heapprofile'), JSON.stringify(result.profile));
    });
  });
}
