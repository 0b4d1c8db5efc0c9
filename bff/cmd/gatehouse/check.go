package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/gatehouse-dev/gatehouse/bff/internal/doctor"
)

// errCheckFailed is check's error when a finding failed; the findings say
// which and why.
var errCheckFailed = errors.New("check: some findings failed (FAIL above)")

// check runs the doctor (package doctor) on the configuration in environ
// and writes each finding to stdout as it is made, "OK", "WARN" or "FAIL"
// with what to do, then a count of each. It returns errCheckFailed after
// any FAIL. It never writes a secret.
func check(ctx context.Context, environ []string, stdout io.Writer, opt doctor.Options) error {
	opt.Report = func(f doctor.Finding) { fmt.Fprintln(stdout, f.String()) }
	findings := doctor.Run(ctx, environ, opt)
	fmt.Fprintln(stdout, doctor.Summary(findings))
	if doctor.Failed(findings) {
		return errCheckFailed
	}
	return nil
}
