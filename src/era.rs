//! 和暦 (Japanese era dates): Gregorian ⇄ 明治…令和, with 元年.
