//! Prepared statements on SQLite's own API, for the request log writer's
//! hot loop only.
//!
//! sqlx binds every parameter by copying it into an argument list, then
//! into an owned copy for its worker thread, then into SQLite, and resets
//! and clears every binding after each statement: profiling the writer at
//! 20,000 records a transaction put a quarter of SQLite's thread there.
//! Here a statement is prepared once a batch and stepped many times, with
//! the text bound in place (`SQLITE_STATIC`): no allocation per value. The
//! SQL is the same; only how it is driven is SQLite's.
//!
//! The handle comes from [`sqlx::sqlite::SqliteConnection::lock_handle`],
//! inside the caller's sqlx transaction, so begin and commit stay sqlx's.

use libsqlite3_sys as ffi;
use sqlx::error::{DatabaseError, ErrorKind};
use sqlx::SqliteConnection;
use std::ffi::{c_int, CStr};
use std::marker::PhantomData;
use std::ptr::NonNull;

/// Runs `work` with the connection's raw handle, off the async executor's
/// core where the runtime allows it: a batch is tens of milliseconds of
/// SQLite work, too long to hold a worker that answers requests.
///
/// On a single-threaded runtime it runs inline, and a `work` that waits in
/// SQLite's busy handler for a lock held by another connection of the same
/// runtime blocks the thread that connection needs to let go: both stall
/// until the busy timeout fails `work`. The binary's main runtime is
/// multi-threaded, and so is the one the HTTP tests run the server on.
pub(crate) async fn with_handle<T>(
    connection: &mut SqliteConnection,
    work: impl FnOnce(Handle<'_>) -> sqlx::Result<T>,
) -> sqlx::Result<T> {
    let mut locked = connection.lock_handle().await?;
    let handle = Handle {
        db: locked.as_raw_handle(),
        _locked: PhantomData,
    };
    let multi_thread = tokio::runtime::Handle::try_current().is_ok_and(|runtime| {
        runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread
    });
    if multi_thread {
        tokio::task::block_in_place(|| work(handle))
    } else {
        work(handle)
    }
}

/// A locked connection: while it lives, sqlx's worker thread makes no call
/// on it.
pub(crate) struct Handle<'c> {
    db: NonNull<ffi::sqlite3>,
    _locked: PhantomData<&'c mut ()>,
}

impl<'c> Handle<'c> {
    /// Prepares `sql` (one statement) for binding values that live at least
    /// as long as `'v`.
    pub(crate) fn prepare<'h, 'v>(&'h mut self, sql: &str) -> sqlx::Result<Statement<'h, 'v>> {
        let mut statement = std::ptr::null_mut();
        let length = c_int::try_from(sql.len()).map_err(|_| RawError::generic("SQL too long"))?;
        // SAFETY: `db` is a live connection locked for us; `sql` is valid for
        // `length` bytes.
        let code = unsafe {
            ffi::sqlite3_prepare_v3(
                self.db.as_ptr(),
                sql.as_ptr().cast(),
                length,
                ffi::SQLITE_PREPARE_PERSISTENT,
                &mut statement,
                std::ptr::null_mut(),
            )
        };
        if code != ffi::SQLITE_OK {
            return Err(self.error(code));
        }
        let statement = NonNull::new(statement).ok_or_else(|| RawError::generic("empty SQL"))?;
        Ok(Statement {
            db: self.db,
            statement,
            _handle: PhantomData,
            _values: PhantomData,
        })
    }

    fn error(&self, code: c_int) -> sqlx::Error {
        error_of(self.db, code)
    }
}

fn error_of(db: NonNull<ffi::sqlite3>, code: c_int) -> sqlx::Error {
    // SAFETY: `db` is live. The extended code says which constraint failed;
    // SQLite owns the message and it is copied at once.
    let code = match unsafe { ffi::sqlite3_extended_errcode(db.as_ptr()) } {
        ffi::SQLITE_OK => code,
        extended => extended,
    };
    // SAFETY: as above.
    let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db.as_ptr())) }
        .to_string_lossy()
        .into_owned();
    sqlx::Error::Database(Box::new(RawError { code, message }))
}

/// A prepared statement whose text parameters borrow values for `'v`: SQLite
/// reads them in place until they are bound again or the statement is
/// finalized, which is why they must outlive the statement.
pub(crate) struct Statement<'h, 'v> {
    db: NonNull<ffi::sqlite3>,
    statement: NonNull<ffi::sqlite3_stmt>,
    _handle: PhantomData<&'h mut ()>,
    _values: PhantomData<&'v str>,
}

impl<'v> Statement<'_, 'v> {
    /// Binds text in place to the `index`th parameter (from 1).
    pub(crate) fn text(&mut self, index: c_int, value: &'v str) -> sqlx::Result<&mut Self> {
        let length =
            c_int::try_from(value.len()).map_err(|_| RawError::generic("text too long"))?;
        // SAFETY: the statement is live, and `value` outlives it ('v), so the
        // pointer SQLite keeps (SQLITE_STATIC) stays valid.
        let code = unsafe {
            ffi::sqlite3_bind_text(
                self.statement.as_ptr(),
                index,
                value.as_ptr().cast(),
                length,
                ffi::SQLITE_STATIC(),
            )
        };
        self.check(code)
    }

    pub(crate) fn optional_text(
        &mut self,
        index: c_int,
        value: Option<&'v str>,
    ) -> sqlx::Result<&mut Self> {
        match value {
            Some(value) => self.text(index, value),
            None => {
                // SAFETY: the statement is live.
                let code = unsafe { ffi::sqlite3_bind_null(self.statement.as_ptr(), index) };
                self.check(code)
            }
        }
    }

    pub(crate) fn int(&mut self, index: c_int, value: i64) -> sqlx::Result<&mut Self> {
        // SAFETY: the statement is live.
        let code = unsafe { ffi::sqlite3_bind_int64(self.statement.as_ptr(), index, value) };
        self.check(code)
    }

    /// Runs the statement, which returns no rows, and readies it for the
    /// next values.
    pub(crate) fn execute(&mut self) -> sqlx::Result<()> {
        // SAFETY: the statement is live and every parameter is bound.
        let code = unsafe { ffi::sqlite3_step(self.statement.as_ptr()) };
        // SAFETY: as above; reset returns the step's error again, not a new one.
        unsafe { ffi::sqlite3_reset(self.statement.as_ptr()) };
        if code == ffi::SQLITE_DONE {
            Ok(())
        } else {
            Err(error_of(self.db, code))
        }
    }

    fn check(&mut self, code: c_int) -> sqlx::Result<&mut Self> {
        if code == ffi::SQLITE_OK {
            Ok(self)
        } else {
            Err(error_of(self.db, code))
        }
    }
}

impl Drop for Statement<'_, '_> {
    fn drop(&mut self) {
        // SAFETY: the statement is live and not used after this.
        unsafe { ffi::sqlite3_finalize(self.statement.as_ptr()) };
    }
}

/// An error SQLite reported through its own API, as sqlx reports database
/// errors.
#[derive(Debug)]
struct RawError {
    code: c_int,
    message: String,
}

impl RawError {
    fn generic(message: &str) -> sqlx::Error {
        sqlx::Error::Database(Box::new(RawError {
            code: ffi::SQLITE_MISUSE,
            message: message.to_owned(),
        }))
    }
}

impl std::fmt::Display for RawError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{} (SQLite code {})", self.message, self.code)
    }
}

impl std::error::Error for RawError {}

impl DatabaseError for RawError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
        Some(self.code.to_string().into())
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        match self.code & 0xff {
            ffi::SQLITE_CONSTRAINT => match self.code {
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                    ErrorKind::UniqueViolation
                }
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
                ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
                ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
                _ => ErrorKind::Other,
            },
            _ => ErrorKind::Other,
        }
    }
}
