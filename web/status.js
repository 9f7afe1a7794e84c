// status.js: what the page says about itself. The status line (progress,
// grey: what is going on), the alert (role="alert", styled as an error: what
// went wrong, cleared by the next good result), the words of a failed open
// (from the core's result code, not its text) and what an empty table or
// flame graph says (no profile yet, every sample filtered, no samples of a
// measure).

const $ = (id) => document.getElementById(id);

/** The page's state for tests and styles: body[data-state]. */
export function setState(name) { document.body.dataset.state = name; }

/** The status line; progress a fraction, null (busy, no fraction) or undefined (no bar). */
export function status(text, progress) {
  $('status').textContent = text;
  const bar = $('progress');
  if (progress === undefined) { bar.hidden = true; return; }
  bar.hidden = false;
  if (progress === null) bar.removeAttribute('value'); else bar.value = progress;
}

/** Shows message in the alert (announced at once by screen readers); null clears it. */
export function alert(message) {
  const box = $('alert');
  if (!message) { box.hidden = true; box.textContent = ''; return; }
  box.textContent = message;
  box.hidden = false;
}

/** What the page says when the file named name could not be opened: the worker's error message data. */
export function openError(name, { code, stage, message }) {
  // code: the core's result code (RESULTS in the package), or the worker's own: 'empty', 'page'.
  if (code === 'empty') return `${name}: empty file`;
  if (code === 'input' && stage === 'convert') return `${name}: not a recognised profile (pprof, OTLP protobuf or JSON): ${message}`;
  return `${name}: ${message}`;
}

/** The filters a configuration (object or JSON text) turns on, by their keys. */
export function filtersOn(config) {
  let object = config;
  if (typeof config === 'string') {
    try { object = config.trim() === '' ? {} : JSON.parse(config); } catch { object = {}; }
  }
  return ['process_filter', 'thread_filter', 'pattern_filter'].filter((key) => {
    const filter = object?.[key];
    return filter && typeof filter === 'object' && filter.enabled !== false;
  });
}

const count = (v) => new Intl.NumberFormat('en').format(v);

/**
 * What an empty view (a table, the flame graph) says, given the model shown
 * (null: none) and the configuration it was converted with: why it is empty,
 * never "open a profile" when one is open. what: the view's noun phrase
 * ("its processes"), for the page with no profile; otherwise: what it says
 * when samples were kept but none is in the view.
 */
export function emptyText(what, model, config, otherwise = 'Nothing to show.') {
  if (!model) return `Open a profile to see ${what}.`;
  const { samples_total: total = 0, samples_kept: kept = 0, samples_filtered: filtered = 0 } = model.stats ?? {};
  if (total > 0 && kept === 0 && filtered > 0) {
    const by = filtersOn(config);
    const all = filtered === total ? `All ${count(total)} samples were filtered` : `${count(filtered)} of ${count(total)} samples were filtered, none kept`;
    return `${all}${by.length ? ` by ${by.join(', ')}` : ''}: change the configuration to keep some.`;
  }
  if (total === 0) return 'This profile has no samples.';
  if (kept === 0) return `None of this profile's ${count(total)} samples was kept (see the totals).`;
  return otherwise;
}
