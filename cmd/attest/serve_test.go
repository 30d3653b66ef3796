package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

func TestTrustedProxyFlag(t *testing.T) {
	for _, c := range []struct {
		values []string
		want   string // the networks, or "error"
	}{
		{[]string{"10.0.0.0/8"}, "10.0.0.0/8"},
		{[]string{"10.0.0.0/8,192.168.1.7", " fd00::/8 "}, "10.0.0.0/8,192.168.1.7/32,fd00::/8"},
		{[]string{"10.1.2.3/8"}, "10.0.0.0/8"},
		{[]string{"::ffff:10.0.0.0/104"}, "10.0.0.0/8"},
		{[]string{"2001:db8::1"}, "2001:db8::1/128"},
		{[]string{"proxy.internal"}, "error"},
		{[]string{"10.0.0.0/33"}, "error"},
	} {
		var p trustedProxies
		var err error
		for _, v := range c.values {
			if err = p.Set(v); err != nil {
				break
			}
		}
		got := p.String()
		if err != nil {
			got = "error"
		}
		if got != c.want {
			t.Errorf("--trusted-proxy %q = %q (%v), want %q", c.values, got, err, c.want)
		}
	}
}

// A wrong --trusted-proxy or ATTEST_TRUSTED_PROXIES stops serve before it opens anything.
func TestServeRefusesBadTrustedProxy(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  string
	}{
		{[]string{"serve", "--data", t.TempDir(), "--trusted-proxy", "nonsense"}, ""},
		{[]string{"serve", "--data", t.TempDir()}, "10.0.0.0/8,nonsense"},
	} {
		var out bytes.Buffer
		m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(k string) string {
			if k == "ATTEST_TRUSTED_PROXIES" {
				return c.env
			}
			return ""
		}}
		err := m.Run(context.Background(), c.args)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "nonsense") {
			t.Errorf("%v with env %q: %v, want a usage error naming the value", c.args, c.env, err)
		}
	}
}

// A malformed --smtp, or one without --mail-from, stops serve before it opens anything.
func TestServeRefusesBadSMTP(t *testing.T) {
	for _, args := range [][]string{
		{"--smtp", "ftp://mail.example.test", "--mail-from", "attest@example.test"},
		{"--smtp", "smtp://mail.example.test:587"},
	} {
		var out bytes.Buffer
		m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
		err := m.Run(context.Background(), append([]string{"serve", "--data", t.TempDir()}, args...))
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--") {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}
