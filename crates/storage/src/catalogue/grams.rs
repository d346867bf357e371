//! The grams of the catalogue's word index: which pieces of a project's search text are indexed,
//! and which of them a search word looks up, so that `LIKE '%word%'` is no longer a scan of every
//! published project. Pure functions; the queries that use them are in `super::sqlite` and
//! `super::postgres`. (Migration 0007, which applies the same rules in SQL, calls this file by its
//! former name, `src/catalogue_search.rs`; an applied migration is never edited.)
//!
//! The index only narrows: every word is still checked with the same `LIKE` as before on the rows
//! it returns, so results are exactly those of the plain scan. It must therefore never miss a row
//! that `LIKE` would match: the grams of a word are always grams of any text containing it, because
//! both sides are cut from the same ASCII-lowercased characters (SQLite's `LIKE` ignores ASCII case
//! only; PostgreSQL's `LIKE` ignores none, so there the index is a superset and `LIKE` decides).
//!
//! * SQLite: an FTS5 table (`project_search`, migration 0007) whose document per published project
//!   is the list of its characters, bigrams and trigrams, each written as one ASCII token
//!   (`b80bfx7624` is 肿瘤) because FTS5's tokenizers would cut Chinese text and punctuation
//!   differently, and its filter values (`facet`). The document is built here and written by
//!   `super::sqlite` on insert and at publication; the migration wrote it for the rows already
//!   there with the same rules in SQL.
//! * PostgreSQL: a GIN index on `catalogue_grams(search_text)` (one-, two- and three-character
//!   grams, computed by the database; migration 0007, moved out of the rows by 0015); here only
//!   the grams of the words are cut.
//!
//! A word of one or two characters looks up its one gram (肿瘤 is exactly the bigram 肿瘤); a
//! longer word looks up all its trigrams, which also makes numbers and unit names such as
//! 第123人民医院 selective where bigrams of digits are not. (A one-character word was first a
//! prefix query on bigrams; merging their lists took 14 ms at 200,000 projects, a character token
//! well under one.) A word of one to three characters is thus one token, which a project holds
//! exactly when its text contains the word; longer words are checked on the rows.

use std::collections::BTreeSet;

/// ASCII letters lowercased, nothing else: what SQLite's `lower()` does without ICU, and what the
/// PostgreSQL function's `translate()` does.
fn fold(text: &str) -> Vec<char> {
    text.chars().map(|c| c.to_ascii_lowercase()).collect()
}

fn unigram(a: char) -> String {
    format!("u{:x}", a as u32)
}

fn bigram(a: char, b: char) -> String {
    format!("b{:x}x{:x}", a as u32, b as u32)
}

fn trigram(a: char, b: char, c: char) -> String {
    format!("t{:x}x{:x}x{:x}", a as u32, b as u32, c as u32)
}

/// One value of a catalogue filter as an FTS5 token: `z`, a letter for the field (`y` year, `n`
/// batch number, `c` secondary and `s` tertiary subject, `p` province, `l` level, `k` kind,
/// `d` delivery) and the value's ASCII letters and digits (`zs0305`, `zdfacetoface`). Indexed
/// beside the grams, a search that combines words and filters is one lookup in one index, where
/// intersecting a common word with a year row by row read tens of thousands of rows. No gram
/// token starts with `z`.
pub(crate) fn facet(field: char, value: &str) -> String {
    let value: String = value.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
    format!("z{field}{value}")
}

/// What a published project is filtered by, as `facet` tokens.
pub struct Facets<'a> {
    pub year: jijiao_domain::Year,
    pub batch: u16,
    pub subject_tertiary: &'a str,
    pub province_code: Option<&'a str>,
    pub level: &'a str,
    pub kind: &'a str,
    pub delivery: &'a str,
}

impl Facets<'_> {
    fn tokens(&self) -> Vec<String> {
        let mut out = vec![
            facet('y', &self.year.to_string()),
            facet('n', &self.batch.to_string()),
            facet('c', self.subject_tertiary.get(..2).unwrap_or("")),
            facet('s', self.subject_tertiary),
            facet('l', self.level),
            facet('k', self.kind),
            facet('d', self.delivery),
        ];
        out.extend(self.province_code.map(|p| facet('p', p)));
        out
    }
}

/// The FTS5 document of a published project: the distinct character, bigram and trigram tokens
/// of its search text, then its `facet` tokens, space-separated.
///
/// Written for every project of an imported list (20,000 at once), so the grams are gathered as
/// characters, sorted and deduplicated, and written out as hex digits directly: building a string
/// per gram into an ordered set was most of an import's save.
pub fn sqlite_document(search_text: &str, facets: &Facets) -> String {
    /// A gram of one, two or three characters, tagged with its token's letter.
    type Gram = (u8, char, Option<char>, Option<char>);
    let chars = fold(search_text);
    let mut grams: Vec<Gram> = Vec::with_capacity(chars.len() * 3);
    for (i, &c) in chars.iter().enumerate() {
        grams.push((b'u', c, None, None));
        if let Some(&b) = chars.get(i + 1) {
            grams.push((b'b', c, Some(b), None));
            if let Some(&d) = chars.get(i + 2) {
                grams.push((b't', c, Some(b), Some(d)));
            }
        }
    }
    grams.sort_unstable();
    grams.dedup();
    let mut out = String::with_capacity(grams.len() * 12 + 80);
    for (kind, a, b, c) in grams {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push(char::from(kind));
        push_hex(&mut out, a);
        for next in [b, c].into_iter().flatten() {
            out.push('x');
            push_hex(&mut out, next);
        }
    }
    let mut facets = facets.tokens();
    facets.sort_unstable();
    for facet in facets {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&facet);
    }
    out
}

/// A character's code point in lowercase hex without leading zeros, as `{:x}` and SQL's
/// `printf('%x')` write it.
fn push_hex(out: &mut String, c: char) {
    let n = c as u32;
    let digits = (32 - n.leading_zeros()).div_ceil(4).max(1);
    for shift in (0..digits).rev() {
        let digit = (n >> (shift * 4)) & 0xf;
        out.push(char::from_digit(digit, 16).unwrap_or('0'));
    }
}

/// The tokens one word (no whitespace in it) looks up: every document of a text containing the
/// word has all of them. One for a word of one or two characters, its trigrams for a longer one.
pub(crate) fn sqlite_terms(word: &str) -> Vec<String> {
    let chars = fold(word);
    let terms: BTreeSet<String> = match chars.as_slice() {
        [] => BTreeSet::new(),
        [c] => [unigram(*c)].into(),
        [a, b] => [bigram(*a, *b)].into(),
        _ => chars.windows(3).map(|w| trigram(w[0], w[1], w[2])).collect(),
    };
    terms.into_iter().collect()
}

/// An FTS5 query requiring every one of `terms`.
pub(crate) fn sqlite_all(terms: &[String]) -> String {
    terms.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(" AND ")
}

/// The FTS5 query for one word with all its terms: every row containing the word matches it.
/// `None` for an empty word. (Searches leave out common terms, see [`rarest`].)
#[cfg(test)]
pub(crate) fn sqlite_query(word: &str) -> Option<String> {
    let terms = sqlite_terms(word);
    (!terms.is_empty()).then(|| sqlite_all(&terms))
}

/// The trigram tokens of a document, whose counts `project_search_terms` keeps.
pub(crate) fn document_trigrams(document: &str) -> impl Iterator<Item = &str> {
    document.split(' ').filter(|t| t.starts_with('t'))
}

/// How many of `documents` hold each trigram (a document holds each of its terms once).
pub(crate) fn trigram_counts<'a>(documents: impl IntoIterator<Item = &'a str>) -> Vec<(String, i64)> {
    let mut counts: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
    for document in documents {
        for term in document_trigrams(document) {
            *counts.entry(term).or_default() += 1;
        }
    }
    counts.into_iter().map(|(term, n)| (term.to_string(), n)).collect()
}

/// Which of a word's trigrams it looks up, given how many published projects hold each (from
/// `project_search_terms`; a term absent there is held by none): the rarest, and every other
/// within [`COMMON_FACTOR`] times as many. A common one (人民医 is in every unit's name) would make
/// the index read a list as long as the catalogue and narrow nothing; the rarest alone may not
/// narrow enough (each trigram of 2014-09-01-0 is in tens of thousands of numbers, all of them
/// together in 99), and every candidate left is a row read to check the word. At most
/// [`MOST_TERMS`] of them, though: a word's trigrams overlap, so after the first few each one
/// more narrows little and costs a list to read.
pub(crate) fn rarest(mut terms: Vec<(String, i64)>) -> Vec<String> {
    terms.sort_by_key(|(_, docs)| *docs);
    let least = terms.first().map_or(0, |(_, docs)| *docs);
    terms
        .into_iter()
        .filter(|(_, docs)| *docs <= least.max(1) * COMMON_FACTOR)
        .take(MOST_TERMS)
        .map(|(t, _)| t)
        .collect()
}

/// See [`rarest`].
pub(crate) const COMMON_FACTOR: i64 = 8;

/// See [`rarest`]. Measured on the benchmark's 200,000 projects: 2014-09-01-0 through its 3, 4, 5
/// and 7 rarest trigrams (within [`COMMON_FACTOR`]) leaves 2,558, 110, 99 and 99 candidates and
/// answers in 5.7, 1.1, 1.4 and 2.9 ms; a trigram list costs about 0.3 ms, a candidate 3.5 µs.
pub(crate) const MOST_TERMS: usize = 4;

/// The separator of [`postgres_grams`]: a control character no search word keeps.
pub(crate) const POSTGRES_SEPARATOR: char = '\u{1f}';

/// The grams of one word as PostgreSQL's `catalogue_grams()` cuts them (one- and two-character
/// words whole, longer words in trigrams), joined by [`POSTGRES_SEPARATOR`] for
/// `string_to_array`. `None` when the word cannot use the index (empty, or it holds the separator).
pub(crate) fn postgres_grams(word: &str) -> Option<String> {
    let chars = fold(word);
    if chars.is_empty() || chars.contains(&POSTGRES_SEPARATOR) {
        return None;
    }
    let grams: BTreeSet<String> = if chars.len() <= 3 {
        [chars.iter().collect()].into()
    } else {
        chars.windows(3).map(|w| w.iter().collect()).collect()
    };
    Some(grams.into_iter().collect::<Vec<_>>().join(&POSTGRES_SEPARATOR.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facets() -> Facets<'static> {
        Facets {
            year: jijiao_domain::Year::try_from(2024_u16).unwrap(),
            batch: 1,
            subject_tertiary: "03-05",
            province_code: Some("11"),
            level: "national",
            kind: "recommended",
            delivery: "face_to_face",
        }
    }

    fn document_terms(text: &str) -> BTreeSet<String> {
        sqlite_document(text, &facets()).split(' ').map(str::to_string).collect()
    }

    /// Every term a word looks up is in the document of any text that contains the word.
    fn found(text: &str, word: &str) -> bool {
        let terms = document_terms(text);
        let query = sqlite_query(word).unwrap();
        query.split(" AND ").all(|t| terms.contains(t.trim_matches('"')))
    }

    #[test]
    fn words_find_the_texts_that_contain_them() {
        let text = "肿瘤放射治疗学习班（第123期） 第123人民医院 王建国 2024-03-05-001（国） MRI";
        for word in ["肿瘤", "瘤", "班", "国", "）", "第123人民医院", "2024-03-05-0", "王建国", "mri", "MRI", "Mr", "i"]
        {
            assert!(found(text, word), "{word}");
        }
        for word in ["肿癌", "第124人民医院", "2024-03-06", "CT", "癌"] {
            assert!(!found(text, word), "{word}");
        }
    }

    /// The document's grams, by the plain definition: every character, bigram and trigram.
    fn plain_grams(text: &str) -> BTreeSet<String> {
        let chars = fold(text);
        let mut out = BTreeSet::new();
        for (i, &c) in chars.iter().enumerate() {
            out.insert(unigram(c));
            if let Some(&b) = chars.get(i + 1) {
                out.insert(bigram(c, b));
                if let Some(&d) = chars.get(i + 2) {
                    out.insert(trigram(c, b, d));
                }
            }
        }
        out
    }

    proptest::proptest! {
        /// The fast writer writes exactly the plain definition's grams, each once, and the facets.
        #[test]
        fn the_document_is_the_plain_grams(text in "[\\x00-\\x7f\u{80}-\u{7ff}\u{4e00}-\u{9fff}\u{1f600}-\u{1f64f}]{0,40}") {
            let document = sqlite_document(&text, &facets());
            let tokens: Vec<&str> = document.split(' ').filter(|t| !t.starts_with('z')).collect();
            let distinct: BTreeSet<String> = tokens.iter().map(|t| t.to_string()).collect();
            proptest::prop_assert_eq!(distinct.len(), tokens.len());
            proptest::prop_assert_eq!(distinct, plain_grams(&text));
            proptest::prop_assert!(document.ends_with("zs0305 zy2024"));
        }
    }

    #[test]
    fn terms_are_whole_ascii_tokens() {
        assert_eq!(
            sqlite_document("肿瘤", &facets()),
            "b80bfx7624 u7624 u80bf zc03 zdfacetoface zkrecommended zlnational zn1 zp11 zs0305 zy2024"
        );
        assert_eq!(sqlite_query("肿瘤").unwrap(), "\"b80bfx7624\"");
        assert_eq!(sqlite_query("肿").unwrap(), "\"u80bf\"");
        assert_eq!(sqlite_query("A-1").unwrap(), "\"t61x2dx31\"");
        assert_eq!(sqlite_query(""), None);
        assert!(sqlite_document("x y", &facets()).split(' ').all(|t| t.chars().all(|c| c.is_ascii_alphanumeric())));
        assert_eq!(facet('s', "03-05"), "zs0305");
    }

    #[test]
    fn common_trigrams_are_left_out() {
        let counts = |pairs: &[(&str, i64)]| pairs.iter().map(|(t, n)| (t.to_string(), *n)).collect::<Vec<_>>();
        assert_eq!(rarest(counts(&[("a", 200_000), ("b", 2_000), ("c", 3_440), ("d", 20_000)])), ["b", "c"]);
        assert_eq!(rarest(counts(&[("a", 16_670), ("b", 150_000), ("c", 41_664)])), ["a", "c"]);
        assert_eq!(rarest(counts(&[("a", 5), ("b", 0)])), ["b", "a"], "an absent term finds nothing");
        let similar = counts(&[("a", 10), ("b", 11), ("c", 12), ("d", 13), ("e", 14), ("f", 15)]);
        assert_eq!(rarest(similar), ["a", "b", "c", "d"], "at most MOST_TERMS");
        assert!(rarest(Vec::new()).is_empty());
    }

    #[test]
    fn postgres_grams_match_the_function() {
        let sep = POSTGRES_SEPARATOR.to_string();
        assert_eq!(postgres_grams("肿瘤").unwrap(), "肿瘤");
        assert_eq!(postgres_grams("癌").unwrap(), "癌");
        assert_eq!(postgres_grams("CT机").unwrap(), "ct机");
        assert_eq!(postgres_grams("心力衰竭").unwrap(), ["力衰竭", "心力衰"].join(&sep));
        assert_eq!(postgres_grams(&format!("a{sep}b")), None);
    }

    /// A database with published projects from before migration 0007 gets them indexed by the
    /// migration itself (the same terms the store writes), and their spans filled in.
    #[tokio::test]
    async fn the_migration_indexes_existing_projects() {
        use crate::projects::ProjectFilter;
        use crate::{Backend, PageRequest, Store, testing};
        for db in testing::databases().await {
            let store = Store::connect(&db.target, testing::test_vault()).await.unwrap();
            let all = crate::migrations::migrator(store.backend);
            let before = sqlx::migrate::Migrator {
                migrations: all.iter().filter(|m| m.version < 7).cloned().collect::<Vec<_>>().into(),
                ..sqlx::migrate::Migrator::DEFAULT
            };
            before.run(&store.pool).await.unwrap();
            sqlx::query("INSERT INTO publication_batches (id, level, scope, year, batch, created_at) VALUES (1, 'national', '', 2023, 1, 0)")
                .execute(&store.pool)
                .await
                .unwrap();
            let text = "肿瘤放射治疗学习班 第123人民医院 王建国 2023-03-05-001（国） MRI";
            for (id, number, text, first, last) in [
                (1, Some("2023-03-05-001（国）"), text, "2023-05-01", "2023-07-01"),
                (2, None, "肿瘤草稿 第123人民医院 王建国 ", "2023-05-01", "2023-05-02"),
            ] {
                sqlx::query(
                    "INSERT INTO projects (id, batch_id, number, year, level, unit_name, leader_name, name, subject_secondary, subject_tertiary, kind, delivery, credits, planned_enrollment, first_day, last_day, search_text, created_at) \
                     VALUES ($1, 1, $2, 2023, 'national', '第123人民医院', '王建国', 'x', '03', '03-05', 'recommended', 'face_to_face', 100, 50, $3, $4, $5, 0)",
                )
                .bind(id)
                .bind(number)
                .bind(first)
                .bind(last)
                .bind(text)
                .execute(&store.pool)
                .await
                .unwrap();
            }
            store.migrate().await.unwrap();
            if store.backend == Backend::Sqlite {
                // The migration's SQL wrote exactly the terms this module writes (one document,
                // so the index's vocabulary is that document's terms).
                sqlx::query("CREATE VIRTUAL TABLE search_vocabulary USING fts5vocab(project_search, 'row')")
                    .execute(&store.pool)
                    .await
                    .unwrap();
                let terms: Vec<String> = sqlx::query_scalar("SELECT term FROM search_vocabulary ORDER BY term")
                    .fetch_all(&store.pool)
                    .await
                    .unwrap();
                let facets = Facets {
                    year: jijiao_domain::Year::try_from(2023_u16).unwrap(),
                    batch: 1,
                    subject_tertiary: "03-05",
                    province_code: None,
                    level: "national",
                    kind: "recommended",
                    delivery: "face_to_face",
                };
                let document = sqlite_document(text, &facets);
                let mut written: Vec<&str> = document.split(' ').collect();
                written.sort_unstable();
                assert_eq!(terms.join(" "), written.join(" "));
                // And counted each trigram once, as the store does.
                let counted: Vec<(String, i64)> =
                    sqlx::query_as("SELECT term, docs FROM project_search_terms ORDER BY term")
                        .fetch_all(&store.pool)
                        .await
                        .unwrap();
                let mut expected: Vec<(String, i64)> =
                    document_trigrams(&document).map(|t| (t.to_string(), 1)).collect();
                expected.sort();
                assert_eq!(counted, expected);
            }
            // LIKE ignores ASCII case on SQLite only, as before the index.
            let lower = i64::from(store.backend == Backend::Sqlite);
            for (q, found) in [
                ("肿瘤", 1),
                ("瘤", 1),
                ("MRI", 1),
                ("mri", lower),
                ("第123人民医院", 1),
                ("2023-03-05", 1),
                ("草稿", 0),
            ] {
                let filter = ProjectFilter { q: Some(q.into()), ..Default::default() };
                assert_eq!(
                    store.projects(&filter, PageRequest::default()).await.unwrap().total,
                    found,
                    "{}: {q}",
                    db.name
                );
            }
            // The span of two months was filled in: a search from June finds the May–July project.
            let june = ProjectFilter { from: chrono::NaiveDate::from_ymd_opt(2023, 6, 15), ..Default::default() };
            assert_eq!(store.projects(&june, PageRequest::default()).await.unwrap().total, 1, "{}", db.name);
            store.close().await;
        }
    }
}
