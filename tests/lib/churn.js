// churn.js: requests of a fleet whose pids churn (issue 28, row 3), for the
// cardinality tests of every host (temporality.test.js, collector.test.js).

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
