package loadgen_test

import (
	"os"
	"strings"
	"testing"

	"github.com/authd/authd/cmd/authbench/internal/loadgen"
)

const statusText = `Name:	authd
Umask:	0022
State:	S (sleeping)
Pid:	4242
VmPeak:	 1300000 kB
VmSize:	 1250000 kB
VmHWM:	   81920 kB
VmRSS:	   40960 kB
RssAnon:	   30000 kB
Threads:	12
`

func TestParseStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		text    string
		want    loadgen.Memory
		wantErr bool
	}{
		{name: "live process", text: statusText, want: loadgen.Memory{RSS: 40 << 20, HWM: 80 << 20}},
		{name: "zombie", text: "Name:\tauthd\nState:\tZ (zombie)\n", wantErr: true},
		{name: "kernel thread has no Vm lines", text: "Name:\tkthreadd\nState:\tS (sleeping)\n", wantErr: true},
		{name: "only VmRSS", text: "VmRSS:\t 12 kB\n", wantErr: true},
		{name: "unexpected unit", text: "VmHWM:\t 12 MB\nVmRSS:\t 12 kB\n", wantErr: true},
		{name: "not a number", text: "VmHWM:\t x kB\nVmRSS:\t 12 kB\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := loadgen.ParseStatus(strings.NewReader(tt.text))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseStatus = %+v, %v; want %+v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestReadMemoryOfThisProcess(t *testing.T) {
	t.Parallel()
	m, err := loadgen.ReadMemory(os.Getpid())
	if err != nil || m.RSS <= 0 || m.HWM < m.RSS {
		t.Errorf("ReadMemory(self) = %+v, %v; want 0 < RSS <= HWM, nil", m, err)
	}
	if _, err := loadgen.ReadMemory(-1); err == nil {
		t.Errorf("ReadMemory(-1) = nil error, want one")
	}
}

func TestMiB(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		bytes int64
		want  float64
	}{{0, 0}, {1 << 20, 1}, {3 << 19, 1.5}, {(1 << 20) * 11 / 10, 1.1}, {(1 << 20) * 104 / 100, 1}, {100 << 20, 100}} {
		if got := loadgen.MiB(tt.bytes); got != tt.want {
			t.Errorf("MiB(%d) = %v, want %v", tt.bytes, got, tt.want)
		}
	}
}
