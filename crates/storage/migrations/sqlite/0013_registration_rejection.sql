-- A self-registration the unit refuses keeps its reason, which the registrant reads on signing in
-- (issue 18: the unit could only confirm, or leave the registration waiting for ever). A refused
-- registration leaves the list of those waiting; confirming it later clears nothing else.
ALTER TABLE accounts ADD COLUMN rejected_reason TEXT;
