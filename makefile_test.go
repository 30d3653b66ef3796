package attest_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMakeRunHonoursEnvironment: `make run` serves on ATTEST_ADDR with ATTEST_DATA when they are
// set, make variables override them, and the defaults hold when neither is given.
func TestMakeRunHonoursEnvironment(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	cases := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"defaults", nil, nil, "--addr 127.0.0.1:8080 --data ./data"},
		{"environment", []string{"ATTEST_ADDR=0.0.0.0:9090", "ATTEST_DATA=/srv/attest"}, nil, "--addr 0.0.0.0:9090 --data /srv/attest"},
		{"make variables win", []string{"ATTEST_ADDR=0.0.0.0:9090", "ATTEST_DATA=/srv/attest"}, []string{"ADDR=127.0.0.1:7000", "DATA=/tmp/d"}, "--addr 127.0.0.1:7000 --data /tmp/d"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// -n prints the commands without running them.
			cmd := exec.Command("make", append([]string{"-n", "run"}, c.args...)...)
			for _, kv := range os.Environ() {
				if !strings.HasPrefix(kv, "ATTEST_") && !strings.HasPrefix(kv, "ADDR=") && !strings.HasPrefix(kv, "DATA=") && !strings.HasPrefix(kv, "MAKEFLAGS=") {
					cmd.Env = append(cmd.Env, kv)
				}
			}
			cmd.Env = append(cmd.Env, c.env...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("make -n run: %v\n%s", err, out)
			}
			var serve string
			for _, line := range strings.Split(string(out), "\n") {
				if strings.Contains(line, " serve ") {
					serve = line
				}
			}
			if !strings.Contains(serve, c.want) {
				t.Fatalf("make run runs %q, want it to contain %q", serve, c.want)
			}
		})
	}
}
