//! A connection held for the reads of one request. sqlx pings a PostgreSQL connection each time it
//! goes back to the pool, a round trip per acquisition; a page whose reads each took a connection
//! paid one per statement (BENCHMARKS.md, issue 19: the record page's floor). A handler that reads
//! several things takes a [`Reader`] once and reads them all on it.
//!
//! Only reads: writes go through [`Store::write`]. Hold it for one request's reads, not across
//! other store calls: on the in-memory SQLite of the tests the pool has one connection.

use sqlx::Any;
use sqlx::pool::PoolConnection;

use crate::credit_records::CreditRecord;
use crate::{Organisation, Person, PersonId, Result, Store};

/// See the module's documentation; from [`Store::reader`].
pub struct Reader<'s> {
    store: &'s Store,
    conn: PoolConnection<Any>,
}

impl Store {
    /// A connection for the reads of one request.
    pub async fn reader(&self) -> Result<Reader<'_>> {
        Ok(Reader { store: self, conn: self.pool.acquire().await? })
    }
}

impl Reader<'_> {
    /// A person and their employer: what every page about a person's record reads first.
    pub async fn person_with_employer(&mut self, id: PersonId) -> Result<(Person, Option<Organisation>)> {
        let person = self.store.person_on(&mut *self.conn, id).await?;
        let employer = match person.employer_id {
            Some(e) => Some(crate::organisations::organisation_on(&mut *self.conn, e).await?),
            None => None,
        };
        Ok((person, employer))
    }

    /// The province of the person's latest roster entry ([`Store::roster_province_of`]).
    pub async fn roster_province_of(&mut self, person: PersonId) -> Result<Option<String>> {
        crate::reports::roster::roster_province_on(&mut *self.conn, person).await
    }

    /// A person's records of one year, in the order the activities ended, and the years they have
    /// records in, newest first: the learning record page.
    pub async fn credit_year_of(
        &mut self,
        person: PersonId,
        year: jijiao_domain::Year,
    ) -> Result<(Vec<CreditRecord>, Vec<jijiao_domain::Year>)> {
        let records = crate::credit_records::records_of_on(&mut *self.conn, person, Some(year)).await?;
        let years = crate::credit_records::years_of_on(&mut *self.conn, person).await?;
        Ok((records, years))
    }
}
