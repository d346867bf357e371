//! Reading and writing an Application document by a field path (`teachers[2].hours`), the names
//! the form fields and the findings share.

use serde_json::Value;

pub(super) fn get_path<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = doc;
    for part in path.split('.') {
        let (key, index) = split_index(part);
        cur = cur.get(key)?;
        if let Some(i) = index {
            cur = cur.get(i)?;
        }
    }
    Some(cur)
}

pub(super) fn split_index(part: &str) -> (&str, Option<usize>) {
    match part.find('[') {
        Some(open) => (&part[..open], part[open + 1..].trim_end_matches(']').parse().ok()),
        None => (part, None),
    }
}

pub(super) fn set_path(doc: &mut Value, path: &str, value: Value) {
    let mut cur = doc;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        if !cur.is_object() {
            *cur = Value::Object(Default::default());
        }
        let last = i + 1 == parts.len();
        let entry = cur.as_object_mut().expect("made an object").entry(part.to_string()).or_insert(Value::Null);
        if last {
            *entry = value;
            return;
        }
        cur = entry;
    }
}

pub(super) fn text_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// The value at `path` (with `[i]` indices), to change; `None` when there is none.
pub(super) fn get_path_mut<'a>(doc: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    let mut cur = doc;
    for part in path.split('.') {
        let (key, index) = split_index(part);
        cur = cur.get_mut(key)?;
        if let Some(i) = index {
            cur = cur.get_mut(i)?;
        }
    }
    Some(cur)
}

/// Removes the row of a table that `path` lies in (`teachers[3].hours` removes `teachers[3]`);
/// false when `path` is in no row.
pub(super) fn remove_row(doc: &mut Value, path: &str) -> bool {
    let Some(open) = path.rfind('[') else { return false };
    let Some(close) = path[open..].find(']').map(|c| open + c) else { return false };
    let Ok(index) = path[open + 1..close].parse::<usize>() else { return false };
    match get_path_mut(doc, &path[..open]).and_then(Value::as_array_mut) {
        Some(rows) if index < rows.len() => {
            rows.remove(index);
            true
        }
        _ => false,
    }
}
