package metrics_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/authd/authd/adapters/metrics"
	"github.com/authd/authd/domain"
)

// failingNotifier fails every reset mail and delivers every activation.
type failingNotifier struct{}

func (failingNotifier) SendActivation(context.Context, domain.User, string) error { return nil }
func (failingNotifier) SendRecoveryCodeUsed(context.Context, domain.User, int) error {
	return nil
}
func (failingNotifier) SendPasswordReset(context.Context, domain.User, string) error {
	return errors.New("smtp: 451 try later")
}

func TestNotifierCountsByKindAndResult(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	n := metrics.Notifier(failingNotifier{}, reg)
	ctx := context.Background()
	if err := n.SendActivation(ctx, domain.User{}, "t"); err != nil {
		t.Fatalf("SendActivation: %v, want the wrapped notifier's nil", err)
	}
	if err := n.SendPasswordReset(ctx, domain.User{}, "t"); err == nil {
		t.Fatalf("SendPasswordReset: nil, want the wrapped notifier's error")
	}
	if err := n.SendEmailChange(ctx, domain.User{}, domain.MailAddresses{}, "t"); err != nil {
		t.Fatalf("SendEmailChange: %v, want the wrapped notifier's nil", err)
	}
	if err := n.SendSignIn(ctx, domain.User{}, "t", "123456"); err != nil {
		t.Fatalf("SendSignIn: %v, want the wrapped notifier's nil", err)
	}
	want := `
# HELP authd_mails_total Mails handed to the mail transport, by kind and result (sent, failed).
# TYPE authd_mails_total counter
authd_mails_total{kind="activation",result="failed"} 0
authd_mails_total{kind="activation",result="sent"} 1
authd_mails_total{kind="email_change",result="failed"} 0
authd_mails_total{kind="email_change",result="sent"} 1
authd_mails_total{kind="email_change_notice",result="failed"} 0
authd_mails_total{kind="email_change_notice",result="sent"} 0
authd_mails_total{kind="password_reset",result="failed"} 1
authd_mails_total{kind="password_reset",result="sent"} 0
authd_mails_total{kind="recovery_code_used",result="failed"} 0
authd_mails_total{kind="recovery_code_used",result="sent"} 0
authd_mails_total{kind="sign_in",result="failed"} 0
authd_mails_total{kind="sign_in",result="sent"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "authd_mails_total"); err != nil {
		t.Error(err)
	}
}

func TestHashingAndPoolGauges(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	metrics.RegisterHashing(reg, func() (int, int, int) { return 2, 5, 4 })
	metrics.RegisterDBPool(reg, func() sql.DBStats {
		return sql.DBStats{MaxOpenConnections: 25, OpenConnections: 7, InUse: 3, Idle: 4, WaitCount: 9, WaitDuration: 1500 * time.Millisecond}
	})
	for name, want := range map[string]float64{
		"authd_hash_in_flight": 2, "authd_hash_waiting": 5, "authd_hash_slots": 4,
		"authd_db_max_open_connections": 25, "authd_db_open_connections": 7, "authd_db_in_use_connections": 3,
		"authd_db_idle_connections": 4, "authd_db_wait_count_total": 9, "authd_db_wait_duration_seconds_total": 1.5,
	} {
		got, err := gathered(reg, name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
}

// gathered returns the value of the unlabelled metric name in reg.
func gathered(reg *prometheus.Registry, name string) (float64, error) {
	mfs, err := reg.Gather()
	if err != nil {
		return 0, err
	}
	for _, mf := range mfs {
		if mf.GetName() != name || len(mf.GetMetric()) != 1 {
			continue
		}
		m := mf.GetMetric()[0]
		switch {
		case m.GetGauge() != nil:
			return m.GetGauge().GetValue(), nil
		case m.GetCounter() != nil:
			return m.GetCounter().GetValue(), nil
		}
	}
	return 0, errors.New("not gathered")
}

func (failingNotifier) SendEmailChange(context.Context, domain.User, domain.MailAddresses, string) error {
	return nil
}
func (failingNotifier) SendEmailChangeNotice(context.Context, domain.User, domain.MailAddresses) error {
	return nil
}

func (failingNotifier) SendSignIn(context.Context, domain.User, string, string) error { return nil }
