-- Sign-in state without personal data in clear, and a captcha table that stays small (issue 14).
--
-- login_throttle.key was the key as the server built it, `ip:…` or `account:…` with what was typed
-- as the username: an ID number, or a password typed into the wrong field, kept in clear until a
-- successful login. From this version the key is a keyed hash of that text (the vault's lookup hash,
-- src/accounts/sessions.rs). The rows written before cannot be hashed here (the key is not in the
-- database) and are soft state, so they are deleted: counts of failed logins start again at zero.
DELETE FROM login_throttle;

-- The store keeps the newest captchas and deletes expired ones whenever it stores one: both by
-- expiry.
CREATE INDEX captchas_expiry ON captchas (expires_at);
