// Package monitoring holds no code: its directory ships the Prometheus rules
// (prometheus-rules.yaml) and the Grafana dashboard (grafana-dashboard.json) of taskpoller,
// described in docs/monitoring.md. Its tests keep them true to the worker:
//   - the rules parse as Prometheus parses them (rulefmt), and every alert has a for:, a
//     severity, a summary, a description and a runbook_url naming its section of
//     docs/monitoring.md, which has a section for every alert and no other;
//   - the dashboard is well formed: unique panel ids, grid positions that do not overlap, a
//     datasource and PromQL targets on every panel, only variables it defines;
//   - every PromQL expression of both parses, and every metric it reads is one a worker
//     registers (with the label names it has, and the label values the code uses for result,
//     kind and reason), the target's `up`, a series the rules record, or one of the few
//     metrics of prometheus-nats-exporter listed in the test;
//   - every metric a worker registers has a panel;
//   - the promtool unit tests of the rules (tests/*_test.yaml, run by `make rules`, which
//     needs promtool) cover every rule: each alert fires in one test and stays quiet in
//     another, each recording rule has a test of its value, and no test names an alert the
//     rules lack (promtool alone would pass such a test).
package monitoring
