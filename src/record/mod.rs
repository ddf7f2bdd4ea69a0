//! Member records: the input contract, one record per member.
//!
//! A [`Record`] is what upstream eligibility systems send us, already parsed and
//! validated field by field. Rule-bound values (`expiry_date`, `effective_date`,
//! `copay_ratio`) may be left empty: [`crate::eligibility`] derives them, and
//! checks the ones that are given.
//!
//! [`read`] streams records from CSV, JSON Lines or a JSON array, holding one record
//! at a time: a bad record becomes a [`RecordError`] and reading goes on at the next
//! line, while an input that cannot be read at all (bad header, unknown format) is an
//! [`OpenError`] before the first record. Where reading cannot go on (an I/O error, a
//! JSON array whose syntax breaks), the last error [ends the input](RecordError::ends_input)
//! and [`Records::stopped`] says from where nothing was read. No input makes a reader
//! hold more than [`ReadOptions::max_record_bytes`] of it. The schema, the accepted
//! spellings and the error behaviour are described in `docs/records.md`.

// A `RecordError` is large, but the `Ok` side of every result here holds a `Record`,
// which is larger still: boxing the error would not make the results smaller.
#![allow(clippy::result_large_err)]

mod assemble;
mod benefit;
mod csv;
mod error;
mod field;
mod json;
mod lines;
mod normalize;
mod profile;
mod value;

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

pub use benefit::{LimitCategory, SpecificDisease};
pub use error::{ErrorReportEntry, OpenError, OpenErrorKind, RecordError, RecordErrorKind, Unread};
pub use field::Field;
pub use profile::{Profile, ProfileError};

use assemble::Batch;

/// Which public insurance scheme the member belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// 国民健康保険: national health insurance, run by municipalities.
    Kokuho,
    /// 後期高齢者医療: insurance for 75 and over, run by prefectural 広域連合.
    Kouki,
}

impl Scheme {
    /// The name used in records and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Kokuho => "kokuho",
            Scheme::Kouki => "kouki",
        }
    }
}

/// 性別 as printed on the certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Sex {
    /// 男 (code 1).
    Male,
    /// 女 (code 2).
    Female,
}

impl Sex {
    /// The character printed on the document.
    pub fn label(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

/// How a 送付先's name is written above the addressee: 「〇〇様方」 (in the care of a person) or
/// 「〇〇気付」 (in the care of a facility or business).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CareOf {
    /// 様方.
    Samakata,
    /// 気付.
    Kizuke,
}

impl CareOf {
    /// The word printed after the 送付先's name.
    pub fn label(self) -> &'static str {
        match self {
            CareOf::Samakata => "様方",
            CareOf::Kizuke => "気付",
        }
    }
}

/// Why a マイナ保険証 holder applied for a 資格確認書; the two get different validities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CertificateReason {
    /// 要配慮: the member cannot use the マイナ保険証 without help (要介護, 障害 and the like). The
    /// certificate runs to the cycle end and is renewed every cycle without a new application
    /// (厚生労働省 全国高齢者医療・国民健康保険主管課（部）長会議資料, 令和7年3月).
    Consideration,
    /// 緊急: the card is lost, being renewed or returned; a short validity, no renewal
    /// (最上地区広域連合 Q&A 令和6年11月, Q11).
    Emergency,
}

impl CertificateReason {
    /// The word used in records and shown to staff: `要配慮` or `緊急`.
    pub fn label(self) -> &'static str {
        match self {
            CertificateReason::Consideration => "要配慮",
            CertificateReason::Emergency => "緊急",
        }
    }
}

/// One member, as read from the input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// Upstream identifier, unique within a batch; names the record in reports.
    pub record_id: String,
    /// 国保 or 後期.
    pub scheme: Scheme,
    /// 保険者番号: 6 digits (kokuho) or 8 digits starting 39 (kouki).
    pub insurer_number: String,
    /// 記号 (kokuho only).
    pub symbol: Option<String>,
    /// 番号; for kouki the 8-digit 被保険者番号.
    pub number: String,
    /// 枝番: two digits, zero-padded (kokuho only).
    pub branch: Option<String>,
    /// 氏名, possibly with Ideographic Variation Sequences.
    pub name: String,
    /// フリガナ, in katakana.
    pub name_kana: Option<String>,
    /// 性別.
    pub sex: Sex,
    /// 生年月日.
    pub birth_date: NaiveDate,
    /// 郵便番号, seven digits (stored without hyphen).
    pub postal_code: Option<String>,
    /// 住所.
    pub address: Option<String>,
    /// 世帯主氏名 (kokuho).
    pub householder_name: Option<String>,
    /// 適用開始年月日 (資格取得年月日).
    pub qualified_date: NaiveDate,
    /// 交付年月日.
    pub issue_date: NaiveDate,
    /// Holds a マイナ保険証 (a My Number card registered for insurance use).
    pub has_myna_hoken: bool,
    /// 一部負担金の割合 (1, 2 or 3), as decided upstream from income.
    pub copay_ratio: Option<u8>,
    /// 発効期日, if upstream set it; otherwise derived.
    pub effective_date: Option<NaiveDate>,
    /// 有効期限, if upstream set it; otherwise derived.
    pub expiry_date: Option<NaiveDate>,
    /// 在留期間満了日 of a foreign resident.
    pub residence_expiry: Option<NaiveDate>,
    /// Subject to 特別療養費 (a year or more behind on the kokuho tax).
    pub special_medical: bool,
    /// A マイナ保険証 holder who applied for a 資格確認書 (要介護, disability, lost card).
    pub certificate_requested: bool,
    /// Why: 要配慮 (a regular certificate, renewed every cycle) or 緊急 (a short one). Giving a
    /// reason is itself the application; `certificate_requested` alone means 緊急, as before.
    pub certificate_reason: Option<CertificateReason>,
    /// The day that application was made.
    pub application_date: Option<NaiveDate>,
    /// 世帯番号: groups members of one household into one envelope.
    pub household_id: Option<String>,
    /// 備考, printed in the remarks area when the layout has one.
    pub remarks: Option<String>,
    /// 送付先の宛名: a care facility or an agent (代理人) the documents go to instead of 住所.
    pub mail_to_name: Option<String>,
    /// 送付先郵便番号 (7 digits); given with `mail_to_address`.
    pub mail_to_postal_code: Option<String>,
    /// 送付先住所: where the envelope goes when it is not the member's 住所.
    pub mail_to_address: Option<String>,
    /// 様方 or 気付: `mail_to_name` is then written above the addressee, not instead of them.
    pub mail_to_care_of: Option<CareOf>,
    /// 限度区分 (適用区分) of a 限度額適用認定証 the member holds; printed only when given.
    pub limit_category: Option<LimitCategory>,
    /// The 発効期日 of that 限度区分 (required with it).
    pub limit_effective_date: Option<NaiveDate>,
    /// 長期入院該当年月日: the day the member passed 90 days in hospital within 12 months
    /// (住民税非課税 brackets only).
    pub long_term_stay_date: Option<NaiveDate>,
    /// 特定疾病 of a 特定疾病療養受療証 the member holds; printed only when given.
    pub specific_disease: Option<SpecificDisease>,
    /// Its 自己負担限度額 in yen: 10,000, or 20,000 for 人工透析 under 70 with high income;
    /// 10,000 when not given.
    pub specific_disease_limit: Option<u32>,
    /// On the member's request (性同一性障害), the front's 性別 reads 「裏面参照」 and the back's
    /// 備考 says 「戸籍上の性別は男」 (or 女).
    pub sex_on_back: bool,
    /// 戸籍上の氏名, printed in the back's 備考, when `name` is a 通称名 the member asked to have on
    /// the front (性同一性障害).
    pub registered_name: Option<String>,
}

/// Where a record came from, for error messages and reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// The input file as given on the command line.
    pub file: String,
    /// 1-based line on which the record starts (CSV and JSON Lines; JSON arrays give the line of the element).
    pub line: u64,
    /// 1-based position of the record among the file's records (the header is not a record).
    pub index: u64,
}

impl Origin {
    /// The origin of a record that stands alone, such as one posted to the preview server.
    pub fn single(file: &str) -> Origin {
        Origin {
            file: file.to_owned(),
            line: 1,
            index: 1,
        }
    }
}

impl Record {
    /// The name on the envelope's 様 line: the 送付先's name when it is given without 様方 or 気付;
    /// otherwise, for kokuho, the 世帯主 (documents are mailed to the householder; the member's
    /// own name when none is given), and for kouki the member (kouki documents are personal).
    pub fn addressee(&self) -> &str {
        match (&self.mail_to_name, self.mail_to_care_of) {
            (Some(name), None) => name,
            _ => match (self.scheme, &self.householder_name) {
                (Scheme::Kokuho, Some(householder)) => householder,
                _ => &self.name,
            },
        }
    }

    /// Whether the documents go to a 送付先 instead of the 住所.
    pub fn has_mail_to(&self) -> bool {
        self.mail_to_address.is_some()
    }

    /// The postal code the envelope goes to: the 送付先's, else the 住所's.
    pub fn mail_postal_code(&self) -> Option<&str> {
        if self.has_mail_to() {
            self.mail_to_postal_code.as_deref()
        } else {
            self.postal_code.as_deref()
        }
    }

    /// The address the envelope goes to: the 送付先's, else the 住所.
    pub fn mail_address(&self) -> Option<&str> {
        if self.has_mail_to() {
            self.mail_to_address.as_deref()
        } else {
            self.address.as_deref()
        }
    }

    /// 「〇〇様方」 or 「〇〇気付」: the line above the addressee when the 送付先 has one.
    pub fn mail_care_of(&self) -> Option<String> {
        let care_of = self.mail_to_care_of?;
        Some(format!(
            "{}{}",
            self.mail_to_name.as_deref()?,
            care_of.label()
        ))
    }

    /// The member's application for a 資格確認書, if any: the reason given, or 緊急 for a bare
    /// `certificate_requested` (what every application meant before reasons were recorded).
    pub fn certificate_request(&self) -> Option<CertificateReason> {
        self.certificate_reason.or(self
            .certificate_requested
            .then_some(CertificateReason::Emergency))
    }

    /// Reads one record from a JSON object, with the rules of the streamed formats.
    ///
    /// A `Value` has already merged repeated keys; [`Record::from_json_slice`] refuses them.
    pub fn from_json_value(
        value: &serde_json::Value,
        origin: Origin,
    ) -> Result<Record, RecordError> {
        json::record_from_value(value, origin)
    }

    /// Every reason a JSON object is not a valid record, not only the first: the first
    /// structural problem (not an object, an unknown key), then one error per invalid field in
    /// schema order. Empty when [`Record::from_json_value`] would succeed.
    ///
    /// For forms, which show each field's problem beside the field at once.
    pub fn errors_in_json_value(value: &serde_json::Value, origin: Origin) -> Vec<RecordError> {
        json::problems_in_value(value, origin)
    }

    /// Reads one record from the text of a JSON object.
    pub fn from_json_slice(bytes: &[u8], origin: Origin) -> Result<Record, RecordError> {
        json::record_from_slice(bytes, origin)
    }
}

/// The syntax of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// CSV with a header row of field names (`.csv`).
    Csv,
    /// One JSON object per line, blank lines skipped (`.jsonl`, `.ndjson`).
    JsonLines,
    /// One JSON array of objects (`.json`).
    JsonArray,
    /// Fixed-width records, read only with an input profile ([`ReadOptions::profile`]).
    FixedWidth,
}

impl Format {
    /// The format a file name's extension names: `.csv`, `.jsonl` / `.ndjson`, `.json`
    /// (a `.json` file that starts with `{` is read as JSON Lines, see [`read`]).
    pub fn from_extension(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" => Some(Format::JsonLines),
            "json" => Some(Format::JsonArray),
            _ => None,
        }
    }
}

/// The character encoding of a CSV input. JSON is always UTF-8 (RFC 8259).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Encoding {
    /// UTF-8, with or without a byte order mark.
    #[default]
    Utf8,
    /// Shift_JIS as Windows writes it (Windows-31J), the usual municipal export;
    /// decoded with encoding_rs, whose Shift_JIS includes the NEC and IBM extensions.
    Cp932,
}

impl Encoding {
    /// The name used in messages: `UTF-8` or `CP932`.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Cp932 => "CP932",
        }
    }
}

/// How to read an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// The syntax; `None` (the default) chooses by the file's extension. Not consulted
    /// by [`from_reader`], which is told the format.
    pub format: Option<Format>,
    /// The encoding of CSV input (default UTF-8); set [`Encoding::Cp932`] for
    /// Shift_JIS exports. JSON input must be UTF-8.
    pub encoding: Encoding,
    /// The longest record accepted, in bytes (default 64 KiB; a real record is under
    /// 2 KiB). Longer records are errors, and reading goes on after them. Every reader
    /// stops buffering at the limit, so no input (a quote or bracket never closed, a
    /// file without line breaks) makes it hold more than this.
    pub max_record_bytes: usize,
    /// An input profile (default none): the file is a municipality's own export (CSV with
    /// its own headers, or fixed-width records), read through the profile's columns and
    /// conversions. The profile then decides format and encoding; the two fields above are
    /// not consulted.
    pub profile: Option<Arc<Profile>>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: None,
            encoding: Encoding::Utf8,
            max_record_bytes: 64 * 1024,
            profile: None,
        }
    }
}

/// Opens a file of records and checks what can be checked before the first record
/// (the CSV header, the opening `[` of a JSON array).
///
/// Without [`ReadOptions::format`] the extension decides; a `.json` file whose first
/// character is `{` is read as JSON Lines, since exports often name those `.json`.
pub fn read(path: &Path, options: &ReadOptions) -> Result<Records, OpenError> {
    let file = File::open(path).map_err(|e| OpenError::io(path.display().to_string(), e))?;
    read_from(file, path, options)
}

/// Like [`read`], from a reader opened on `path` (a wrapper that counts bytes for a
/// progress bar, say); the path names the input and its extension chooses the format.
pub fn read_from<R: Read>(
    reader: R,
    path: &Path,
    options: &ReadOptions,
) -> Result<Records<R>, OpenError> {
    let file_name = path.display().to_string();
    let open_error = |kind| OpenError {
        file: file_name.clone(),
        line: None,
        kind,
        hint: None,
    };
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let bom = skip_bom(&mut reader).map_err(|e| open_error(OpenErrorKind::Io(e.to_string())))?;
    let format = match options.format.or_else(|| Format::from_extension(path)) {
        _ if options.profile.is_some() => Format::Csv,
        Some(Format::JsonArray) if options.format.is_none() => sniff_json(&mut reader),
        Some(format) => format,
        None => {
            let hint = "name the file .csv, .jsonl, .ndjson or .json, or give the format";
            return Err(OpenError {
                hint: Some(hint.into()),
                ..open_error(OpenErrorKind::UnknownFormat)
            });
        }
    };
    Records::open(reader, file_name, format, bom, options)
}

/// Reads records from any reader (stdin, a request body, a test's bytes) in the given format.
pub fn from_reader<R: Read>(
    reader: R,
    name: &str,
    format: Format,
    options: &ReadOptions,
) -> Result<Records<R>, OpenError> {
    let mut reader = BufReader::new(reader);
    let bom = skip_bom(&mut reader).map_err(|e| OpenError::io(name.to_owned(), e))?;
    Records::open(reader, name.to_owned(), format, bom, options)
}

/// The byte order mark an input starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bom {
    None,
    Utf8,
    /// UTF-16, little- or big-endian: what Excel's 「Unicode テキスト」 writes.
    Utf16,
}

impl Bom {
    /// Bytes consumed before the text: where offsets in the input start counting.
    fn skipped(self) -> u64 {
        match self {
            Bom::Utf8 => 3,
            Bom::None | Bom::Utf16 => 0,
        }
    }
}

/// Consumes a UTF-8 byte order mark, and reports which one the input starts with.
fn skip_bom<R: Read>(reader: &mut BufReader<R>) -> std::io::Result<Bom> {
    let start = reader.fill_buf()?;
    if start.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
        Ok(Bom::Utf8)
    } else if start.starts_with(b"\xFF\xFE") || start.starts_with(b"\xFE\xFF") {
        Ok(Bom::Utf16)
    } else {
        Ok(Bom::None)
    }
}

/// A `.json` file holding JSON Lines starts with `{`; an array starts with `[`. Looks
/// only at the first buffer: the leading whitespace of a real file is short.
fn sniff_json<R: Read>(reader: &mut BufReader<R>) -> Format {
    let first = reader
        .fill_buf()
        .ok()
        .and_then(|buf| buf.iter().find(|b| !b.is_ascii_whitespace()).copied());
    match first {
        Some(b'{') => Format::JsonLines,
        _ => Format::JsonArray,
    }
}

/// The records of one input, in order; each is a record or the reason it is not.
///
/// Holds one record at a time, plus the `record_id`s seen so far (to refuse duplicates).
/// After an error that [ends the input](RecordError::ends_input) it yields nothing more.
pub struct Records<R: Read = File> {
    source: Source<R>,
    batch: Batch,
}

enum Source<R: Read> {
    Csv(csv::CsvRecords<BufReader<R>>),
    Lines(json::LineRecords<BufReader<R>>),
    Array(json::ArrayRecords<BufReader<R>>),
    Profiled(profile::ProfileRecords<BufReader<R>>),
}

impl<R: Read> Records<R> {
    fn open(
        reader: BufReader<R>,
        file: String,
        format: Format,
        bom: Bom,
        options: &ReadOptions,
    ) -> Result<Self, OpenError> {
        let open_error = |line, kind, hint: &str| OpenError {
            file: file.clone(),
            line,
            kind,
            hint: Some(hint.into()),
        };
        let limit = options.max_record_bytes;
        let encoding = match &options.profile {
            Some(profile) => profile.encoding(),
            None => options.encoding,
        };
        let source = match (format, encoding) {
            _ if bom == Bom::Utf16 => {
                let why = "the file is UTF-16, which is not supported";
                let hint = "save it as UTF-8 (Excel: 「CSV UTF-8」) or as CP932 CSV";
                return Err(open_error(None, OpenErrorKind::Encoding(why), hint));
            }
            (_, Encoding::Cp932) if bom == Bom::Utf8 && options.profile.is_some() => {
                let why = "the file starts with a UTF-8 byte order mark but its profile says CP932";
                return Err(open_error(
                    None,
                    OpenErrorKind::Encoding(why),
                    "set encoding = \"utf-8\" in the input profile",
                ));
            }
            _ if options.profile.is_some() => {
                let profile = options.profile.clone().expect("checked above");
                // Byte offsets in messages count from the file's start, byte order mark included.
                Source::Profiled(profile::ProfileRecords::open(
                    reader,
                    &file,
                    profile,
                    limit,
                    bom.skipped(),
                )?)
            }
            (Format::FixedWidth, _) => {
                let hint =
                    "fixed-width records are read with an input profile that gives their layout";
                return Err(open_error(None, OpenErrorKind::UnknownFormat, hint));
            }
            (Format::Csv, Encoding::Cp932) if bom == Bom::Utf8 => {
                let why = "the file starts with a UTF-8 byte order mark but was declared CP932";
                return Err(open_error(
                    None,
                    OpenErrorKind::Encoding(why),
                    "read it as UTF-8",
                ));
            }
            (Format::Csv, encoding) => Source::Csv(csv::CsvRecords::open(
                reader,
                &file,
                encoding,
                limit,
                bom.skipped(),
            )?),
            (_, Encoding::Cp932) => {
                let why = "JSON is always UTF-8";
                return Err(open_error(
                    None,
                    OpenErrorKind::Encoding(why),
                    "convert the file to UTF-8, or export CSV",
                ));
            }
            (Format::JsonLines, Encoding::Utf8) => {
                Source::Lines(json::LineRecords::new(reader, limit, bom.skipped()))
            }
            (Format::JsonArray, Encoding::Utf8) => {
                let array = json::ArrayRecords::open(reader, limit, bom.skipped()).map_err(|(line, found)| {
                    let hint = "a JSON array of records starts with `[`; for one object per line use .jsonl";
                    open_error(Some(line), OpenErrorKind::NotAnArray { found }, hint)
                })?;
                Source::Array(array)
            }
        };
        Ok(Records {
            source,
            batch: Batch::new(file),
        })
    }

    /// The format being read (after detection from the extension and content).
    pub fn format(&self) -> Format {
        match self.source {
            Source::Csv(_) => Format::Csv,
            Source::Lines(_) => Format::JsonLines,
            Source::Array(_) => Format::JsonArray,
            Source::Profiled(profile::ProfileRecords::Delimited(_)) => Format::Csv,
            Source::Profiled(profile::ProfileRecords::Fixed(_)) => Format::FixedWidth,
        }
    }

    /// Where reading stopped before the end of the input, once an error that
    /// [ends the input](RecordError::ends_input) has been yielded: nothing from there on
    /// was read, so the records there are neither rendered nor rejected.
    pub fn stopped(&self) -> Option<Unread> {
        match &self.source {
            Source::Csv(records) => records.stopped(),
            Source::Lines(records) => records.stopped(),
            Source::Array(records) => records.stopped(),
            Source::Profiled(records) => records.stopped(),
        }
    }

    /// Bytes of the input the reader holds now (its line or element buffers; not the
    /// fixed read-ahead buffer, nor the `record_id`s kept to refuse duplicates). Never
    /// more than [`ReadOptions::max_record_bytes`] plus a few hundred bytes of bookkeeping.
    pub fn buffered_bytes(&self) -> usize {
        match &self.source {
            Source::Csv(records) => records.buffered(),
            Source::Lines(records) => records.buffered(),
            Source::Array(records) => records.buffered(),
            Source::Profiled(records) => records.buffered(),
        }
    }
}

impl<R: Read> fmt::Debug for Records<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Records")
            .field("file", &self.batch.file())
            .field("format", &self.format())
            .finish_non_exhaustive()
    }
}

impl<R: Read> Iterator for Records<R> {
    type Item = Result<(Origin, Record), RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.source {
            Source::Csv(records) => records.next(&mut self.batch),
            Source::Lines(records) => records.next(&mut self.batch),
            Source::Array(records) => records.next(&mut self.batch),
            Source::Profiled(records) => records.next(&mut self.batch),
        }
    }
}

/// Inputs shared by the tests of the format modules.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// The header of a CSV input with every field.
    pub(crate) const HEADER: &str = "record_id,scheme,insurer_number,symbol,number,branch,name,name_kana,sex,\
        birth_date,postal_code,address,householder_name,qualified_date,issue_date,has_myna_hoken,copay_ratio,\
        effective_date,expiry_date,residence_expiry,special_medical,certificate_requested,certificate_reason,application_date,\
        household_id,remarks,limit_category,limit_effective_date,long_term_stay_date,specific_disease,\
        specific_disease_limit,sex_on_back,registered_name,mail_to_name,mail_to_postal_code,mail_to_address,\
        mail_to_care_of";

    /// A valid kokuho CSV row with this record_id.
    pub(crate) fn row(id: &str) -> String {
        format!(
            "{id},kokuho,102020,01,1234567,01,佐藤 太郎,サトウ タロウ,男,1958-04-12,370-0801,\
             群馬県高崎市八島町1-2,佐藤 太郎,2020-04-01,2025-08-01,false,,,,,false,false,,,H0001,,,,,,,,,,,,"
        )
    }

    /// A valid kouki JSON object with this record_id.
    pub(crate) fn object(id: &str) -> serde_json::Value {
        serde_json::json!({
            "record_id": id, "scheme": "kouki", "insurer_number": "39102017", "number": "12345678",
            "name": "鈴木 花子", "name_kana": "スズキ ハナコ", "sex": "女", "birth_date": "1948-11-03",
            "postal_code": "3700065", "address": "群馬県高崎市末広町23-1", "qualified_date": "2023-11-03",
            "issue_date": "2025-08-01", "has_myna_hoken": true, "copay_ratio": 1
        })
    }

    /// Reads all of `input`.
    pub(crate) fn read_all(
        input: &[u8],
        format: Format,
        options: &ReadOptions,
    ) -> Vec<Result<(Origin, Record), RecordError>> {
        from_reader(input, "members", format, options)
            .expect("input opens")
            .collect()
    }

    /// The error of a result that should have failed.
    pub(crate) fn error(result: &Result<(Origin, Record), RecordError>) -> &RecordError {
        result.as_ref().expect_err("record should fail")
    }

    /// The record of a result that should have succeeded.
    pub(crate) fn record(result: &Result<(Origin, Record), RecordError>) -> &Record {
        match result {
            Ok((_, record)) => record,
            Err(e) => panic!("record should be read: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    fn data(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/records")
            .join(name)
    }

    fn read_file(name: &str, options: &ReadOptions) -> Vec<Record> {
        read(&data(name), options)
            .expect("opens")
            .map(|r| r.expect("valid record").1)
            .collect()
    }

    #[test]
    fn the_sample_files_hold_the_same_records_in_every_format() {
        let csv = read_file("members.csv", &ReadOptions::default());
        let cp932 = ReadOptions {
            encoding: Encoding::Cp932,
            ..ReadOptions::default()
        };
        assert_eq!(csv.len(), 5);
        assert_eq!(read_file("members.jsonl", &ReadOptions::default()), csv);
        assert_eq!(read_file("members.json", &ReadOptions::default()), csv);
        assert_eq!(read_file("members-cp932.csv", &cp932), csv);
    }

    /// The fenced blocks of one language in the Examples section of `docs/records.md`.
    fn doc_examples(language: &str) -> Vec<String> {
        let doc =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/records.md"))
                .expect("docs/records.md is readable");
        let examples = doc
            .split("## Examples")
            .nth(1)
            .and_then(|s| s.split("\n## ").next())
            .expect("has examples");
        let fence = format!("```{language}\n");
        examples
            .split(&fence)
            .skip(1)
            .filter_map(|block| block.split("```").next())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn the_examples_in_the_docs_read_the_same_in_every_format() {
        let read = |text: &str, format| -> Vec<Record> {
            read_all(text.as_bytes(), format, &ReadOptions::default())
                .into_iter()
                .map(|r| r.expect("the example is valid").1)
                .collect()
        };
        let csv = read(&doc_examples("csv")[0], Format::Csv);
        let json = doc_examples("json");
        assert_eq!(csv.len(), 2);
        assert_eq!(read(&json[0], Format::JsonLines), csv);
        assert_eq!(read(&json[1], Format::JsonArray), csv);
    }

    #[test]
    fn format_follows_the_extension_and_a_json_file_may_hold_json_lines() {
        let formats = [
            ("members.csv", Format::Csv),
            ("members.jsonl", Format::JsonLines),
            ("members.json", Format::JsonArray),
            ("members-lines.json", Format::JsonLines),
        ];
        for (name, format) in formats {
            let records = read(&data(name), &ReadOptions::default()).expect("opens");
            assert_eq!(records.format(), format, "{name}");
        }
    }

    #[test]
    fn an_explicit_format_wins_over_the_extension() {
        let options = ReadOptions {
            format: Some(Format::JsonArray),
            ..ReadOptions::default()
        };
        let err = read(&data("members-lines.json"), &options).expect_err("not an array");
        assert!(matches!(err.kind(), OpenErrorKind::NotAnArray { found } if found == "`{`"));
    }

    #[test]
    fn an_unknown_extension_stops_with_a_hint() {
        let err = read(Path::new("members.txt"), &ReadOptions::default()).expect_err("fails");
        assert!(
            matches!(err.kind(), OpenErrorKind::Io(_)),
            "the file does not exist: {err}"
        );
        let err = read(&data("README.md"), &ReadOptions::default()).expect_err("fails");
        assert_eq!(err.kind(), &OpenErrorKind::UnknownFormat);
        assert!(err
            .to_string()
            .ends_with("hint: name the file .csv, .jsonl, .ndjson or .json, or give the format"));
    }

    #[test]
    fn json_declared_cp932_stops() {
        let options = ReadOptions {
            encoding: Encoding::Cp932,
            ..ReadOptions::default()
        };
        let err =
            from_reader(&b"{}"[..], "x.jsonl", Format::JsonLines, &options).expect_err("refused");
        assert_eq!(err.to_string(), "x.jsonl: failed to decode input (JSON is always UTF-8)\n  hint: convert the file to UTF-8, or export CSV");
    }

    #[test]
    fn a_single_record_from_json() {
        let value = object("S1");
        let record = Record::from_json_value(&value, Origin::single("request")).expect("valid");
        assert_eq!(record.name, "鈴木 花子");
        assert_eq!(record.scheme, Scheme::Kouki);
        let text = value.to_string();
        assert_eq!(
            Record::from_json_slice(text.as_bytes(), Origin::single("request")),
            Ok(record)
        );
    }

    #[test]
    fn a_form_gets_every_field_error_in_schema_order() {
        let mut value = object("S1");
        value["birth_date"] = serde_json::json!("1948-02-30");
        value["name"] = serde_json::json!("");
        value["copay_ratio"] = serde_json::json!(4);
        value["colour"] = serde_json::json!("red");
        let errors = Record::errors_in_json_value(&value, Origin::single("request"));
        let fields: Vec<_> = errors.iter().map(|e| e.report_entry().field).collect();
        assert_eq!(
            fields,
            ["colour", "name", "birth_date", "copay_ratio"].map(|f| Some(f.to_owned()))
        );
        assert!(errors.iter().all(|e| e.record_id() == Some("S1")));
        let first = Record::from_json_value(&value, Origin::single("request")).expect_err("bad");
        assert_eq!(first, errors[0]);
        assert!(Record::errors_in_json_value(&object("S2"), Origin::single("request")).is_empty());
    }

    #[test]
    fn without_a_scheme_the_fields_that_depend_on_it_are_checked_for_presence_only() {
        let value = serde_json::json!({"scheme": "国保", "insurer_number": "1"});
        let errors = Record::errors_in_json_value(&value, Origin::single("request"));
        let fields: Vec<_> = errors.iter().filter_map(|e| e.field()).collect();
        assert_eq!(
            &fields[..4],
            [Field::RecordId, Field::Scheme, Field::Number, Field::Name]
        );
    }

    #[test]
    fn a_single_record_refuses_repeated_keys_and_non_objects() {
        let err = Record::from_json_slice(
            br#"{"record_id": "a", "record_id": "b"}"#,
            Origin::single("request"),
        )
        .expect_err("dup");
        assert_eq!(err.kind(), &RecordErrorKind::DuplicateField);
        let err = Record::from_json_value(&serde_json::json!([1]), Origin::single("request"))
            .expect_err("array");
        assert_eq!(
            err.kind(),
            &RecordErrorKind::NotAnObject { found: "an array" }
        );
    }
}
