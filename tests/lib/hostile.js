// hostile.js: requests an unusual or hostile sender makes (issue 28), for
// the tests of every host: a fleet whose pids churn (row 3) and the points
// it leaves per metric; n samples each with a one-frame stack and function
// of its own (row 1).

/** An OTLP/JSON request of `count` processes, pids first..first+count-1, each one on-CPU sample of `main`. */
export function churningRequest(first, count) {
  const dictionary = {
    stringTable: ['', 'samples', 'count', 'cpu', 'nanoseconds', 'main', 'process.pid', 'process.executable.name', 'app'],
    functionTable: [{}, { nameStrindex: 5 }],
    locationTable: [{}, { lines: [{ functionIndex: 1 }] }],
    stackTable: [{}, { locationIndices: [1] }],
    mappingTable: [{}],
    attributeTable: [{ value: {} }],
    linkTable: [{}],
  };
  const resourceProfiles = [];
  for (let pid = first; pid < first + count; pid++) {
    resourceProfiles.push({
      resource: { attributes: [{ key: 'process.pid', value: { intValue: String(pid) } },
        { key: 'process.executable.name', value: { stringValue: 'app' } }] },
      scopeProfiles: [{ scope: { name: 'test' }, profiles: [{
        sampleType: { typeStrindex: 1, unitStrindex: 2 }, periodType: { typeStrindex: 3, unitStrindex: 4 },
        period: '50000000', timeUnixNano: '1767225600000000000', durationNano: '5000000000',
        samples: [{ stackIndex: 1, timestampsUnixNano: ['1767225601000000000'] }],
      }] }],
    });
  }
  return JSON.stringify({ resourceProfiles, dictionary });
}

/** Per metric name of an OTLP/JSON metrics document: its series, its
 * overflow series and the sum of its values. */
export function seriesByMetric(doc) {
  const byMetric = new Map();
  for (const rm of doc.resourceMetrics) {
    for (const metric of rm.scopeMetrics.flatMap((sm) => sm.metrics)) {
      const entry = byMetric.get(metric.name) ?? { series: 0, overflow: 0, total: 0 };
      for (const point of metric.sum?.dataPoints ?? metric.gauge?.dataPoints ?? []) {
        entry.series++;
        if ((point.attributes ?? []).some((a) => a.key === 'otel.metric.overflow')) entry.overflow++;
        entry.total += Number(point.asDouble ?? point.asInt ?? 0);
      }
      byMetric.set(metric.name, entry);
    }
  }
  return byMetric;
}

/** An OTLP/JSON request (as an object) of n samples, each its own one-frame
 * stack and function (function_<i><pad>). */
export function distinctFunctionsDoc(n, pad = '') {
  const ids = [...Array(n).keys()];
  return {
    dictionary: {
      stringTable: ['', 'samples', 'count', 'cpu', 'nanoseconds', ...ids.map((i) => `function_${i}${pad}`)],
      functionTable: [{}, ...ids.map((i) => ({ nameStrindex: 5 + i }))],
      locationTable: [{}, ...ids.map((i) => ({ lines: [{ functionIndex: 1 + i }] }))],
      stackTable: [{}, ...ids.map((i) => ({ locationIndices: [1 + i] }))],
      mappingTable: [{}], attributeTable: [{ value: {} }], linkTable: [{}],
    },
    resourceProfiles: [{ resource: {}, scopeProfiles: [{ profiles: [{
      sampleType: { typeStrindex: 1, unitStrindex: 2 }, periodType: { typeStrindex: 3, unitStrindex: 4 },
      period: '1000000', timeUnixNano: '1767225600000000000', durationNano: '1000000000',
      samples: ids.map((i) => ({ stackIndex: 1 + i, timestampsUnixNano: ['1767225600500000000'] })),
    }] }] }],
  };
}
