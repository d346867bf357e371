//! Anchors of the audit chain kept outside the database, so that cutting the log's tail shows.
//!
//! The chain (see [`crate::audit`]) detects any modified, deleted or inserted entry, but its head
//! lives in the database: someone who can write there may delete the newest entries and set the
//! head back to the last one kept, and the shortened chain still holds. An anchor is the head at
//! one moment (number of entries, hash of the last, time), signed with a key derived from the data
//! key, which is not in the database either. An operator keeps anchors elsewhere (`jijiao audit
//! anchor`, or the server appending one to a file on a schedule); `jijiao audit verify --anchor`
//! then refuses a log that has fewer entries than an anchor, or another hash at an anchored count.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::{Result, Store, now_millis};

/// The head of the audit chain at one moment, signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    /// Entries in the log when anchored.
    pub count: i64,
    /// The hash of entry `count` (the chain's genesis value for an empty log).
    pub hash: String,
    /// When it was taken, Unix milliseconds (UTC).
    pub at: i64,
    /// HMAC-SHA-256 (hex) over the three fields above, keyed from the data key.
    pub signature: String,
}

impl Anchor {
    fn canonical(count: i64, hash: &str, at: i64) -> String {
        format!("jijiao-audit-anchor-v1|{count}|{hash}|{at}")
    }

    /// One line of an anchor file (JSON Lines).
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("an anchor serialises")
    }
}

/// How the log compares with a set of anchors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnchorFinding {
    /// Every anchor is signed by this key and the log still holds each anchored entry.
    Holds { anchors: usize },
    /// The first anchor that does not hold: its line in the file (1-based) and why (Chinese).
    Broken { line: usize, reason: String },
}

impl Store {
    /// The chain's head now, signed: what `jijiao audit anchor` writes out.
    pub async fn audit_anchor(&self) -> Result<Anchor> {
        let head = sqlx::query("SELECT last_id, last_hash FROM audit_head WHERE id = 1").fetch_one(&self.pool).await?;
        let count: i64 = head.try_get("last_id")?;
        let hash: String = head.try_get("last_hash")?;
        let at = now_millis();
        let signature = self.vault.anchor_mac(&Anchor::canonical(count, &hash, at));
        Ok(Anchor { count, hash, at, signature })
    }

    /// Checks the log against anchors read from a file (JSON Lines; blank lines skipped). The chain
    /// itself is checked by [`Store::verify_audit_chain`]; this adds what the head cannot tell.
    pub async fn check_audit_anchors(&self, file_text: &str) -> Result<AnchorFinding> {
        let mut anchors = 0;
        for (index, text) in file_text.lines().enumerate() {
            let line = index + 1;
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            let broken = |reason: String| Ok(AnchorFinding::Broken { line, reason });
            let anchor: Anchor = match serde_json::from_str(text) {
                Ok(a) => a,
                Err(e) => return broken(format!("锚点无法解析：{e}")),
            };
            let expected = self.vault.anchor_mac(&Anchor::canonical(anchor.count, &anchor.hash, anchor.at));
            if expected != anchor.signature {
                return broken("锚点签名无效：不是用本系统的密钥签发的，或内容被修改".to_string());
            }
            if anchor.count > 0 {
                let row = sqlx::query("SELECT hash FROM audit_log WHERE id = $1")
                    .bind(anchor.count)
                    .fetch_optional(&self.pool)
                    .await?;
                let when = jijiao_domain::time::format_shanghai(anchor.at);
                match row {
                    None => {
                        let present: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log")
                            .fetch_one(&self.pool)
                            .await?;
                        return broken(format!(
                            "{when} 锚定时日志有 {} 条，现在第 {} 条已不存在（现有 {present} 条）：末尾记录被删除",
                            anchor.count, anchor.count
                        ));
                    }
                    Some(row) => {
                        let hash: String = row.try_get("hash")?;
                        if hash != anchor.hash {
                            return broken(format!(
                                "第 {} 条记录的哈希与 {when} 的锚点不符：该记录或其之前的记录被替换",
                                anchor.count
                            ));
                        }
                    }
                }
            }
            anchors += 1;
        }
        Ok(AnchorFinding::Holds { anchors })
    }
}
