package main

import (
	"errors"
	"flag"
	"math"
	"strconv"
	"time"
)

// Numeric flags refuse what cannot work when it is set explicitly, on the command line or in
// the environment (both go through flag.Value.Set): zero where zero means nothing, and
// negatives. Left unset, a flag keeps its default. The flag package reports a refused value
// as `invalid value "0" for flag -concurrency: ...`, flagenv as `TASKPOLLER_CONCURRENCY="0":
// ...`, and the command exits 2 as for any other bad command line.

// number is what bounded holds.
type number interface{ ~int | ~int64 | ~float64 }

// bounded is a flag value of type T that is refused when negative, and when zero unless
// zeroOK.
type bounded[T number] struct {
	p      *T
	zeroOK bool
	parse  func(string) (T, error)
	format func(T) string
}

func (b *bounded[T]) String() string {
	if b == nil || b.p == nil {
		return ""
	}
	return b.format(*b.p)
}

func (b *bounded[T]) Set(s string) error {
	v, err := b.parse(s)
	if err != nil {
		return err
	}
	switch f := float64(v); {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return errors.New("must be a finite number")
	case v < 0 && b.zeroOK:
		return errors.New("must not be negative; leave it unset for the default")
	case v <= 0 && !b.zeroOK:
		return errors.New("must be positive; leave it unset for the default")
	}
	*b.p = v
	return nil
}

var errParse = errors.New("parse error")

func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errParse
	}
	return d, nil
}

func parseInt(s string) (int, error) {
	v, err := strconv.ParseInt(s, 0, strconv.IntSize)
	if err != nil {
		return 0, errParse
	}
	return int(v), nil
}

func parseFloat(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, errParse
	}
	return v, nil
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// durationVar defines a duration flag that must be positive when set (zeroOK: not
// negative; its help says what zero means).
func durationVar(fs *flag.FlagSet, p *time.Duration, name string, value time.Duration, zeroOK bool, usage string) {
	*p = value
	fs.Var(&bounded[time.Duration]{p: p, zeroOK: zeroOK, parse: parseDuration, format: time.Duration.String}, name, usage)
}

// intVar defines an int flag that must be positive when set (zeroOK: not negative).
func intVar(fs *flag.FlagSet, p *int, name string, value int, zeroOK bool, usage string) {
	*p = value
	fs.Var(&bounded[int]{p: p, zeroOK: zeroOK, parse: parseInt, format: strconv.Itoa}, name, usage)
}

// floatVar defines a float flag that must be positive when set (zeroOK: not negative).
func floatVar(fs *flag.FlagSet, p *float64, name string, value float64, zeroOK bool, usage string) {
	*p = value
	fs.Var(&bounded[float64]{p: p, zeroOK: zeroOK, parse: parseFloat, format: formatFloat}, name, usage)
}

const (
	positive = false // zero is refused
	zeroOK   = true  // zero has the meaning the help gives
)
