//! Password self-service (issue 18 point 16): a professional who forgot the password gives the ID
//! number and name, receives a 6-digit code on the phone of record, and sets a new password with
//! it. The unit administrator's reset (`accounts`) stays as it was, for anyone without a phone.
//!
//! Readings:
//! - Who may: an enabled account of a person of record whose name matches the one typed and who
//!   has a phone on record. Every other case (no such number, another name, no account, a
//!   disabled account, no phone, a limit reached) gets the answer a match gets, so the page never
//!   tells a stranger whether a number is registered; only input that is malformed in itself (an
//!   ID number that fails its check, an empty name) is refused, naming the field.
//! - A code is good for 10 minutes and 5 tries; a newer code ends it. At most 3 codes an hour per
//!   account and 10 per requesting address (counted in the database, so across servers), besides
//!   the per-minute limit of the forms (the web layer's, as for login).
//! - The message leaves after the answer (a spawned task), so a slow gateway does not tell who
//!   is on record by the time the page takes; a failure to send is logged.
//! - The new password is hashed before the code is looked at, so a stranger's number costs the
//!   same time as a registered one; with the right code it replaces the old one, ends every session
//!   of the account and the code, and is written to the audit log, in one transaction.

use jijiao_domain::IdNumber;
use jijiao_storage::{AccountId, Actor, CodeIssue, CodeUse, ResetCodeLimits, StoreError};

use crate::{App, AppError, passwords};

/// The limits of the codes: 3 an hour per account, 10 an hour per address, 10 minutes each.
pub const LIMITS: ResetCodeLimits = ResetCodeLimits { per_account: 3, per_address: 10, valid_ms: 10 * 60 * 1000 };

/// The one refusal of a code, whatever the reason (wrong, expired, out of tries, never sent).
pub const CODE_REFUSED: &str =
    "验证码不正确或已失效（10分钟内有效，最多输入5次）：请核对短信中的验证码，或重新获取验证码";

/// The message with the code.
pub fn message(code: &str) -> String {
    format!("【继教】您正在重置继续医学教育系统的登录密码，验证码 {code}，10分钟内有效。如非本人操作，请忽略本短信。")
}

/// A new code: six decimal digits from the OS random source, uniformly (a draw at or above the
/// largest multiple of a million is drawn again).
fn new_code() -> Result<String, AppError> {
    const LIMIT: u32 = u32::MAX - u32::MAX % 1_000_000;
    loop {
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(e.to_string()))?;
        let n = u32::from_le_bytes(bytes);
        if n < LIMIT {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

fn parse_id_number(text: &str) -> Result<IdNumber, AppError> {
    if text.trim().is_empty() {
        return Err(AppError::invalid("id_number", "请填写身份证号"));
    }
    IdNumber::parse(text).map_err(|e| AppError::invalid("id_number", e.to_string()))
}

/// The account a code may go to: an enabled account of the person with this number and name,
/// with the phone of record. `None` for every other case alike.
async fn account_for(
    app: &App,
    id_number: &IdNumber,
    name: Option<&str>,
) -> Result<Option<(jijiao_storage::Account, String)>, AppError> {
    let person = match app.store.person_by_id_number(id_number).await {
        Ok(person) => person,
        Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if name.is_some_and(|n| n != person.name.trim()) {
        return Ok(None);
    }
    let account = match app.store.account_by_person(person.id).await {
        Ok(account) if !account.disabled => account,
        Ok(_) | Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let phone = person.phone.map(|p| p.trim().to_string()).filter(|p| !p.is_empty());
    Ok(phone.map(|phone| (account, phone)))
}

/// Asks for a code for the account of `id_number` and `name`, from `address` (the client's, as the
/// web layer resolved it). Ok whether or not a code was sent (see the module's readings).
pub async fn request_code(app: &App, id_number: &str, name: &str, address: Option<&str>) -> Result<(), AppError> {
    let id_number = parse_id_number(id_number)?;
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::invalid("name", "请填写姓名"));
    }
    if name.chars().count() > 30 {
        return Err(AppError::invalid("name", "姓名不能超过30个字"));
    }
    let Some((account, phone)) = account_for(app, &id_number, Some(name)).await? else {
        tracing::info!("password reset asked for no account of record (answered as for one)");
        return Ok(());
    };
    let code = new_code()?;
    let actor =
        Actor { account_id: None, name: "忘记密码（短信验证码）".into(), ip: address.map(str::to_string) };
    let issued =
        app.store.issue_password_reset_code(&actor, account.id, &code, address.unwrap_or("unknown"), LIMITS).await?;
    if issued != CodeIssue::Issued {
        tracing::info!(account = account.id.0, limit = ?issued, "password reset code not issued: a limit was reached");
        return Ok(());
    }
    let gateway = app.sms.clone();
    tokio::spawn(async move {
        if let Err(e) = gateway.send(&phone, &message(&code)).await {
            tracing::warn!(account = account.id.0, error = %e, "password reset code not sent");
        }
    });
    Ok(())
}

/// What a reset form carries.
#[derive(Clone, Debug, Default)]
pub struct Reset {
    pub id_number: String,
    pub code: String,
    pub password: String,
    pub password2: String,
}

/// Sets the new password with the code; returns the account whose password changed (the web
/// layer clears its failed logins). Every refusal names its field; a code that does not open the
/// account reads alike whatever the reason ([`CODE_REFUSED`]).
pub async fn reset(app: &App, input: &Reset, address: Option<&str>) -> Result<AccountId, AppError> {
    let id_number = parse_id_number(&input.id_number)?;
    let code = input.code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::invalid("code", "验证码为短信中的6位数字"));
    }
    if let Some(weakness) = passwords::weakness(&input.password) {
        return Err(AppError::invalid("password", weakness));
    }
    if input.password != input.password2 {
        return Err(AppError::invalid("password2", "两次输入的新密码不一致"));
    }
    let hash = passwords::hash(input.password.clone()).await?;
    let Some((account, _)) = account_for(app, &id_number, None).await? else {
        return Err(AppError::invalid("code", CODE_REFUSED));
    };
    let actor = Actor {
        account_id: Some(account.id.0),
        name: format!("{}（短信验证码重置密码）", account.display_name),
        ip: address.map(str::to_string),
    };
    match app.store.reset_password_with_code(&actor, account.id, code, &hash).await? {
        CodeUse::Reset => Ok(account.id),
        CodeUse::Wrong | CodeUse::NoLiveCode => Err(AppError::invalid("code", CODE_REFUSED)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..200 {
            let code = new_code().unwrap();
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()), "{code}");
        }
        assert!(message("012345").contains("012345"));
    }
}
