//! The QR code's address (`portal_url`): what a member's phone opens when it scans the お知らせ.
//!
//! Every お知らせ of a run carries it, so a wrong value is a wrong print of the whole batch.
//! It must be an absolute `https://` address with a host: a phone opens what the code
//! says, and `javascript:`, `file:`, `http:` (open to tampering on the way) or a bare word
//! have no place on an official notice. No reason was found to allow `http:`: マイナポータル
//! and every municipal site serve https.

/// The longest address accepted, in bytes. マイナポータル's is 19; a municipal page with a
/// path is under 100. 256 bytes still encode at ECC level M in a version-12 QR code, whose
/// modules stay over 0.33 mm in the bundled layouts' 28 mm square.
pub const MAX_BYTES: usize = 256;

/// Why an address is refused: the rule it breaks, as the message states it.
pub fn check(url: &str) -> Result<(), &'static str> {
    if url.is_empty() {
        return Err("must not be empty");
    }
    if url.len() > MAX_BYTES {
        return Err("must be at most 256 bytes long, to stay readable in the QR code");
    }
    if !url.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err("must be printable ASCII without spaces or control characters (percent-encode the rest, write an international domain as punycode)");
    }
    let Some(rest) = strip_prefix_ignore_case(url, "https://") else {
        return Err("must be an absolute https:// address");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err("must not carry a user name or password (`@`) before the host");
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    if !is_host_name(host) {
        return Err("must name a host, such as myna.go.jp");
    }
    if let Some(port) = port {
        if !port.parse::<u16>().is_ok_and(|p| p > 0) || !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err("must have a port from 1 to 65535 after `:`, or none");
        }
    }
    Ok(())
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// A DNS name (or dotted IPv4 address): labels of letters, digits and inner hyphens, 1–63 long.
fn is_host_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_https_addresses_with_a_host() {
        for ok in [
            "https://myna.go.jp/",
            "https://myna.go.jp",
            "HTTPS://www.city.takasaki.gunma.jp/page/kokuho.html?from=qr#top",
            "https://example.jp:8443/a%20b",
            "https://192.0.2.1/",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn refuses_other_schemes_hosts_and_characters() {
        for (bad, why) in [
            ("", "must not be empty"),
            (
                "javascript:alert(1)",
                "must be an absolute https:// address",
            ),
            ("http://myna.go.jp/", "must be an absolute https:// address"),
            ("myna.go.jp", "must be an absolute https:// address"),
            ("https://", "must name a host, such as myna.go.jp"),
            ("https:///path", "must name a host, such as myna.go.jp"),
            ("https://-bad-.jp/", "must name a host, such as myna.go.jp"),
            (
                "https://myna.go.jp@evil.example/",
                "must not carry a user name or password (`@`) before the host",
            ),
            (
                "https://myna.go.jp:0/",
                "must have a port from 1 to 65535 after `:`, or none",
            ),
            (
                "https://myna.go.jp:99999/",
                "must have a port from 1 to 65535 after `:`, or none",
            ),
        ] {
            assert_eq!(check(bad), Err(why), "{bad:?}");
        }
        for bad in [
            "https://myna.go.jp/\u{7}",
            "https://myna.go.jp/ a",
            "https://マイナ.jp/",
            " https://myna.go.jp/",
        ] {
            assert!(
                check(bad)
                    .unwrap_err()
                    .starts_with("must be printable ASCII"),
                "{bad:?}"
            );
        }
        let long = format!("https://myna.go.jp/{}", "a".repeat(MAX_BYTES));
        assert!(check(&long)
            .unwrap_err()
            .starts_with("must be at most 256 bytes"));
    }
}
