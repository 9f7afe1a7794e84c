// measure.mjs: the timing protocol of tests/bench/measure.h for the
// JavaScript drivers (bench-wasm.mjs, js-baseline.mjs): warm-up for
// warmSeconds of CPU time (at least one run), then `batches` batches of k
// runs, k sized from the warm-up to take about batchSeconds; the figure is
// the median batch's time per run. Time is this process's CPU time
// (process.cpuUsage(): user + system, every thread: V8's compiler and
// garbage-collector threads count, as they are part of the cost).

/** The plan's defaults, overridden by --warm-seconds, --batch-seconds, --batches. */
export function parsePlan(args) {
  const plan = { warmSeconds: 0.3, batchSeconds: 0.2, batches: 5 };
  const names = { '--warm-seconds': 'warmSeconds', '--batch-seconds': 'batchSeconds', '--batches': 'batches' };
  const rest = [];
  for (let i = 0; i < args.length; i++) {
    const key = names[args[i]];
    if (key === undefined) {
      rest.push(args[i]);
      continue;
    }
    const value = Number(args[++i]);
    if (!(value >= 0)) throw new Error(`${args[i - 1]}: not a number: ${args[i]}`);
    plan[key] = value;
  }
  if (!(plan.batches >= 1)) throw new Error('--batches: at least 1');
  return { plan, rest };
}

function cpuSeconds() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Times work() by the plan; { secondsPerRun, runs }. */
export function measure(work, plan) {
  let start = cpuSeconds();
  let warmRuns = 0;
  let elapsed;
  do {
    work();
    warmRuns++;
    elapsed = cpuSeconds() - start;
  } while (elapsed < plan.warmSeconds);
  const batchRuns = Math.max(1, Math.round(plan.batchSeconds / (elapsed / warmRuns)));
  const perRun = [];
  for (let b = 0; b < plan.batches; b++) {
    start = cpuSeconds();
    for (let r = 0; r < batchRuns; r++) work();
    perRun.push((cpuSeconds() - start) / batchRuns);
  }
  perRun.sort((a, b) => a - b);
  const middle = Math.floor(perRun.length / 2);
  const secondsPerRun = perRun.length % 2 ? perRun[middle] : (perRun[middle - 1] + perRun[middle]) / 2;
  return { secondsPerRun, runs: batchRuns * plan.batches };
}

/** This process's peak RSS in KiB. */
export function peakRssKib() {
  return process.resourceUsage().maxRSS;
}

/** The fields every driver prints, from a measurement. */
export function rowFigures(measurement, samples, inputBytes) {
  return {
    samples,
    input_bytes: inputBytes,
    ns_per_sample: samples > 0 ? (measurement.secondsPerRun * 1e9) / samples : 0,
    mb_per_s: inputBytes / measurement.secondsPerRun / 1e6,
    runs: measurement.runs,
  };
}
