package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"spotcheck/config"
)

// post sends one body of message m. It reports whether a failure is worth
// retrying: network errors, 408, 429, 5xx and robot error codes are; other
// 4xx are not.
func (n *Notifier) post(ctx context.Context, hook config.Webhook, m message, body []byte) (bool, error) {
	target := hook.URL
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("make request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "spotcheck")
	req.Header.Set("X-Spotcheck-Message-Id", m.notice.MessageID)
	switch hook.Format {
	case config.FormatDingTalk:
		if hook.Secret != "" {
			req.URL.RawQuery = dingTalkSign(req.URL.Query(), hook.Secret, n.now()).Encode()
		}
	case config.FormatJSON:
		req.Header.Set("X-Spotcheck-Event", m.event())
		if hook.Secret != "" {
			mac := hmac.New(sha256.New, []byte(hook.Secret))
			mac.Write(body)
			req.Header.Set("X-Spotcheck-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
		}
	}
	resp, err := n.client.Do(req)
	if err != nil {
		// The error names the URL, which may hold the robot's token.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return true, fmt.Errorf("send to %s: %w", host(target), err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		return true, fmt.Errorf("%s answered %s", host(target), resp.Status)
	case resp.StatusCode >= 300:
		return false, fmt.Errorf("%s answered %s", host(target), resp.Status)
	}
	if hook.Format == config.FormatDingTalk || hook.Format == config.FormatWeCom {
		// The robots answer 200 with an error code in the body.
		var r struct {
			ErrCode int    `json:"errcode"`
			ErrMsg  string `json:"errmsg"`
		}
		if err := json.Unmarshal(reply, &r); err != nil {
			return true, fmt.Errorf("%s answered %q, not a robot's reply", host(target), reply)
		}
		if r.ErrCode != 0 {
			return true, fmt.Errorf("%s robot error %d: %s", host(target), r.ErrCode, r.ErrMsg)
		}
	}
	return false, nil
}

// dingTalkSign adds the timestamp and signature of a DingTalk robot with a
// signing secret: base64(HMAC-SHA256(secret, timestamp + "\n" + secret)).
func dingTalkSign(q url.Values, secret string, now time.Time) url.Values {
	ts := strconv.FormatInt(now.UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "\n" + secret))
	q.Set("timestamp", ts)
	q.Set("sign", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	return q
}

// host names a webhook in logs and errors without its query, which may
// hold an access token.
func host(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "webhook"
	}
	return u.Host
}
