package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
)

// accountsBench runs `bench-scale accounts`: one run per account count, one after another,
// then the table (to out and --md) and the plot (--svg). A failed run is still reported.
func accountsBench(ctx context.Context, cfg accountsConfig, cmdline []string, out, log io.Writer) error {
	sc, err := newScratch(ctx, "bench-accounts-", cfg.TaskpollerBin, true, cfg.KeepLogs, log)
	if err != nil {
		return err
	}
	var failed []error
	defer func() { sc.failed = sc.failed || len(failed) > 0; sc.done() }()
	env := sc.env
	var results []accountsResult
	var perAccount []string
	for _, n := range cfg.Accounts {
		w, err := newAccountsWorkload(cfg, n)
		if err != nil {
			return err
		}
		fmt.Fprintf(log, "%d accounts: %s tasks (%s in the hot account) ending %s after creation\n", n, thousands(cfg.Tasks), thousands(w.counts[hotAccount]), cfg.Finish.String())
		res, err := runAccounts(ctx, cfg, env, w)
		if err != nil {
			failed = append(failed, fmt.Errorf("%d accounts: %w", n, err))
			fmt.Fprintf(log, "  FAILED: %v\n", err)
		}
		if res.Calls != nil {
			results = append(results, res)
			var row, calls bytes.Buffer
			writeAccountsTable(&row, []accountsResult{res})
			fmt.Fprint(log, lastLine(row.String()))
			names := make([]string, len(w.accounts))
			for i, a := range w.accounts {
				names[i] = a.Name
			}
			fmt.Fprintf(&calls, "<details><summary>%d accounts: calls per account</summary>\n\n", n)
			writeAccountCalls(&calls, res, w.counts, names)
			calls.WriteString("\n</details>\n")
			perAccount = append(perAccount, calls.String())
		}
		if ctx.Err() != nil {
			return errors.Join(append(failed, ctx.Err())...)
		}
	}
	var table, targets bytes.Buffer
	writeAccountsTable(&table, results)
	writeAccountsTargets(&targets, results, cfg.Quota)
	fmt.Fprintf(out, "%s\n%s", table.String(), targets.String())
	title := fmt.Sprintf("Detection latency, hot and quiet accounts: %s tasks ending %s after creation, %g calls/s per API, account and region", thousands(cfg.Tasks), cfg.Finish.String(), cfg.Quota)
	failed = append(failed, writeOutputs(log, svgIf(cfg.SVG, len(results) > 0), func(path string) error { return writeAccountsPlot(path, title, results) },
		cfg.MD, func() string { return accountsReport(cfg, cmdline, table.String(), targets.String(), perAccount) })...)
	return errors.Join(failed...)
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// relPath is target relative to the directory of from, with forward slashes (a Markdown link).
func relPath(from, target string) (string, error) {
	rel, err := filepath.Rel(filepath.Dir(from), target)
	return filepath.ToSlash(rel), err
}
