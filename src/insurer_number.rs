//! 保険者番号 and its 検証番号 (check digit).
//!
//! A 国民健康保険 保険者番号 is 6 digits (都道府県番号 2, 保険者別番号 3, 検証番号 1); a 後期高齢者
//! 医療 one is 8 (法別番号 39, 都道府県番号 2, 保険者別番号 3, 検証番号 1). The last digit checks the
//! others, by the rule of the 保険者番号設定要領 (厚生労働省 「保険者番号等の設定について」): weigh
//! the digits before it 2, 1, 2, … from the right, add the digits of each product (a product of
//! 12 counts 1 + 2), and take 10 minus the last digit of the sum; a last digit of 0 gives 0.
//! A number that fails the check was mistyped somewhere between the insurer and us, and printed it
//! would make every claim for the member bounce; so records and issuer profiles are refused.

/// The 検証番号 the digits before it call for, or `None` when `body` is empty or not all ASCII digits.
pub fn check_digit(body: &str) -> Option<u8> {
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let weight = if i % 2 == 0 { 2 } else { 1 };
            let product = u32::from(b - b'0') * weight;
            product / 10 + product % 10
        })
        .sum();
    // `sum % 10` is below 10, so the result is a digit.
    Some(((10 - sum % 10) % 10) as u8)
}

/// Checks the last digit of an all-digit `number` against the others.
///
/// `Err((given, expected))` when it does not match; `Ok` for numbers that are not all digits or
/// shorter than two, which the callers refuse for their shape first.
pub fn verify(number: &str) -> Result<(), (u8, u8)> {
    if number.len() < 2 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(());
    }
    // All ASCII, so every byte is a character boundary.
    let (body, last) = number.split_at(number.len() - 1);
    let given = last.as_bytes()[0] - b'0';
    match check_digit(body) {
        Some(expected) if expected != given => Err((given, expected)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The numbers of issue 11: 100016, 102020 and 39102017 pass; 39100015 and 39102013 fail.
    #[test]
    fn issue_11_examples() {
        assert_eq!(verify("100016"), Ok(()));
        assert_eq!(verify("102020"), Ok(()), "a sum ending in 0 gives 0");
        assert_eq!(verify("39102017"), Ok(()));
        assert_eq!(verify("39100015"), Err((5, 1)));
        assert_eq!(verify("39102013"), Err((3, 7)));
    }

    #[test]
    fn products_of_two_digits_count_their_digits() {
        // 9 × 2 = 18 counts 1 + 8 = 9: body 9 gives 10 - 9 = 1.
        assert_eq!(check_digit("9"), Some(1));
        // 0,6,0,0,1 from the right: 2 + 0 + 0 + 6 + 0 = 8 → 2 (最上地区広域連合's sample 060012).
        assert_eq!(check_digit("06001"), Some(2));
        assert_eq!(check_digit("10201"), Some(2));
    }

    #[test]
    fn anything_but_digits_is_left_to_the_shape_checks() {
        assert_eq!(check_digit(""), None);
        assert_eq!(check_digit("1x"), None);
        assert_eq!(verify(""), Ok(()));
        assert_eq!(verify("7"), Ok(()), "a single digit has no body");
        assert_eq!(verify("10001x"), Ok(()));
        assert_eq!(verify("１00016"), Ok(()));
        assert_eq!(verify("10001１"), Ok(()), "a multi-byte last character");
    }

    #[test]
    fn exactly_one_check_digit_fits_every_body() {
        for body in ["00000", "99999", "3913000", "1234567"] {
            let fitting: Vec<u8> = (0..=9)
                .filter(|d| verify(&format!("{body}{d}")).is_ok())
                .collect();
            assert_eq!(fitting.len(), 1, "{body}");
        }
    }
}
