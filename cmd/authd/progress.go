package main

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress shows accounts done of the total and accounts per second on a
// terminal, and nothing at all when w is not one (a pipe, a file, a CI log):
// there only the closing counts are written.
type progress struct {
	bar *progressbar.ProgressBar
	w   io.Writer
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// newProgress returns the progress display of one command on w, out of total
// accounts (-1 when unknown: a spinner then).
func newProgress(w io.Writer, what string, total int64) *progress {
	if !isTerminal(w) {
		return &progress{}
	}
	return &progress{w: w, bar: progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("accounts"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSpinnerType(14),
	)}
}

// Total sets the number of accounts expected, once it is known.
func (p *progress) Total(n int64) {
	if p.bar != nil {
		p.bar.ChangeMax64(n)
	}
}

// Add counts n more accounts (or events).
func (p *progress) Add(n int) {
	if p.bar != nil {
		_ = p.bar.Add(n)
	}
}

// Events turns the display into a spinner of the audit events that follow the
// accounts.
func (p *progress) Events() {
	if p.bar != nil {
		_ = p.bar.Finish()
		_, _ = io.WriteString(p.w, "\n")
		p.bar.Reset()
		p.bar.ChangeMax64(-1)
		p.bar.Describe("events")
	}
}

// Finish ends the display on its own line.
func (p *progress) Finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
		_, _ = io.WriteString(p.w, "\n")
	}
}

// Clear removes the display before an error is printed.
func (p *progress) Clear() {
	if p.bar != nil {
		_ = p.bar.Clear()
	}
}
