package main

import (
	"bytes"
	"io"
	"text/tabwriter"
)

// newTable returns an aligned-columns writer onto w, as the views print their tables: columns
// two spaces apart, no blanks at the end of a line (tabwriter pads a last cell left empty).
// Call Flush when done.
func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(&lineTrimmer{w: w}, 0, 0, 2, ' ', 0)
}

// lineTrimmer writes each line to w without its trailing blanks, once the line is complete.
type lineTrimmer struct {
	w    io.Writer
	line []byte
}

func (t *lineTrimmer) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			t.line = append(t.line, p...)
			break
		}
		t.line = append(bytes.TrimRight(append(t.line, p[:i]...), " "), '\n')
		if _, err := t.w.Write(t.line); err != nil {
			return 0, err
		}
		t.line, p = t.line[:0], p[i+1:]
	}
	return n, nil
}
