-- Every read of a certificate names the certificate that replaced it, if any (a subquery on
-- `replaces_id`). Without an index that subquery scanned every certificate for each one read: the
-- public verification of one certificate read all of them (issue 17's benchmark). Few certificates
-- are ever reissued, so the index holds only those that replace another.
CREATE INDEX certificates_replaces ON certificates (replaces_id) WHERE replaces_id IS NOT NULL;
