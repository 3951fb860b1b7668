// Runs the graphql-http server audit against the URL given as argument; prints one JSON
// line per audit ({id, name, status, reason}) for tests/graphql_api/test_http_audit.py.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
const results = [];
for (const audit of serverAudits({ url, fetchFn: fetch })) {
  const result = await audit.fn();
  results.push({ id: audit.id, name: audit.name, status: result.status, reason: result.reason || null });
}
console.log(JSON.stringify(results));
