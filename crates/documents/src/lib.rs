//! The files users exchange with jijiao: spreadsheets in (xlsx, xls, CSV in UTF-8 or GBK) and
//! out (xlsx, UTF-8 CSV), and the printable PDF forms (the 申报书 and 承诺书, see [`pdf`]). Everything
//! format-specific stays in this crate; the rest of the system sees [`Table`] on the way in and
//! [`Sheet`] or PDF bytes on the way out.

pub mod archive;
mod cell;
mod ole;
mod package;
pub mod pdf;
pub mod qr;
mod read;
mod table;
mod text;
mod write;

/// The media type of the xlsx files jijiao writes, for HTTP answers.
pub const XLSX_CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub use cell::{Cell, CellError};
pub use read::{ReadError, read_sheet, read_table, sheet_names};
pub use table::{Row, Table};
pub use write::{CellOut, Sheet, WriteError, safe_sheet_name, write_csv_utf8, write_xlsx};
