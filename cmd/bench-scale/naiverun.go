package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// runNaive measures a `bench-scale naive` process on w: a fresh emulator, each task created
// and at once handed to the process (a line on its standard input), each sighting read from
// its output.
func runNaive(ctx context.Context, cfg Config, env runEnv, w workload) (result, error) {
	res := result{Poller: pollerNaive, Tasks: len(w.lives)}
	sp, err := env.open(pollerNaive, len(w.lives), cfg.Quota, "naive.log")
	if err != nil {
		return res, err
	}
	defer sp.close()
	dir, emu, logPath := sp.dir, sp.emu, sp.logPath

	det := newDetections(len(w.lives))
	var summary naiveSummary
	var badLines int
	args := append([]string{"naive", "--endpoint", emu.URL()}, cfg.Backoff.args()...)
	fmt.Fprintf(env.log, "  bench-scale %s\n", strings.Join(args, " "))
	cmd := exec.Command(env.self, args...)
	cmd.Env, cmd.Stderr = childEnv(), sp.log
	cmd.Stdout = &lineWriter{line: func(l []byte) {
		if bytes.Contains(l, []byte(`"summary"`)) {
			if json.Unmarshal(l, &summary) != nil {
				badLines++
			}
			return
		}
		var s sighting
		if json.Unmarshal(l, &s) != nil {
			badLines++
			return
		}
		det.add(s.Task, time.Unix(0, s.Seen), strings.ToLower(s.Status))
	}}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return res, err
	}
	proc, err := startChild(cmd)
	if err != nil {
		return res, err
	}
	defer func() { // if it still runs at return (once it has exited, stop returns at once)
		_ = stdin.Close()
		_ = proc.stop(30 * time.Second)
	}()

	start, mark := time.Now(), markCPU()
	ids := make([]string, len(w.lives))
	bw := bufio.NewWriter(stdin)
	for i := range w.lives {
		id, err := w.addTask(emu, i)
		if err != nil {
			return res, err
		}
		ids[i] = id
		fmt.Fprintf(bw, "%s %s\n", w.region, id)
		if err := bw.Flush(); err != nil {
			return res, fmt.Errorf("hand task %s to the naive poller: %w\nits log:\n%s", id, err, tail(logPath, 2000))
		}
	}
	if err := stdin.Close(); err != nil {
		return res, err
	}
	res.Intake = time.Since(start)
	fmt.Fprintf(env.log, "  %d tasks created and handed over in %s\n", len(ids), res.Intake.Round(time.Millisecond))
	waitErr := det.wait(ctx, len(ids), start.Add(w.lastEnd()+cfg.Grace), proc.done)
	res.Wall = time.Since(start)
	if err := proc.stop(60 * time.Second); err != nil {
		waitErr = errors.Join(waitErr, fmt.Errorf("naive poller: %w\nits log:\n%s", err, tail(logPath, 2000)))
	}
	if badLines > 0 {
		waitErr = errors.Join(waitErr, fmt.Errorf("naive poller: %d unreadable output lines", badLines))
	}
	res.collect(proc, mark, emu, ids, start, dir, env.log)
	res.ClientErrors = summary.Errors["transport"]
	if err := res.settle(emu, ids, det); err != nil {
		return res, err
	}
	return res, waitErr
}

// lineWriter calls line for each complete line written to it (without the newline). Writes
// must not be concurrent (exec copies a process's output from one goroutine).
type lineWriter struct {
	buf  []byte
	line func([]byte)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.line(w.buf[:i])
		w.buf = w.buf[i+1:]
	}
	if len(w.buf) == 0 {
		w.buf = nil // let the consumed prefix go
	}
	return len(p), nil
}
