//! A cheap scan of XML text before it is parsed: the nesting depth and entity
//! declarations, which the parser itself cannot bound.
//!
//! roxmltree's tokenizer recurses once per open element, so a few hundred bytes of
//! `<a><a><a>…` (or a small `.mxl` that inflates to them) overflow the stack; and the
//! entities a DTD declares may expand to gigabytes. The scan counts open elements the
//! way the tokenizer does (comments, CDATA, processing instructions and the DOCTYPE
//! open nothing; `<x/>` closes itself) and refuses `<!ENTITY` declarations.

use crate::error::{Error, Location, Result};

/// Checks that elements nest at most `max_depth` deep and that the DOCTYPE declares no
/// entities. Linear in the text; allocates nothing.
pub fn check(text: &str, max_depth: usize) -> Result<()> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(k) = find_byte(b, i, b'<') {
        let rest = &b[k..];
        i = if rest.starts_with(b"<!--") {
            skip_past(b, k + 4, b"-->")
        } else if rest.starts_with(b"<![CDATA[") {
            skip_past(b, k + 9, b"]]>")
        } else if rest.starts_with(b"<?") {
            skip_past(b, k + 2, b"?>")
        } else if rest.starts_with(b"<!") {
            doctype_end(b, k + 2)?
        } else if rest.starts_with(b"</") {
            depth = depth.saturating_sub(1);
            skip_past(b, k + 2, b">")
        } else {
            let (end, empty) = tag_end(b, k + 1);
            if !empty {
                depth += 1;
                if depth > max_depth {
                    return Err(too_deep(text, k, depth, max_depth));
                }
            }
            end
        };
    }
    Ok(())
}

fn too_deep(text: &str, at: usize, depth: usize, max_depth: usize) -> Error {
    let line = text.as_bytes()[..at]
        .iter()
        .filter(|&&c| c == b'\n')
        .count()
        + 1;
    Error::Limit {
        what: "XML element nesting depth",
        value: depth.to_string(),
        limit: max_depth.to_string(),
        location: Location {
            line: Some(line),
            ..Location::default()
        },
    }
}

fn find_byte(b: &[u8], from: usize, byte: u8) -> Option<usize> {
    b.get(from..)?
        .iter()
        .position(|&c| c == byte)
        .map(|p| from + p)
}

/// The index after the first `end` at or after `from` (the text's end if none).
fn skip_past(b: &[u8], from: usize, end: &[u8]) -> usize {
    b.get(from..)
        .and_then(|rest| rest.windows(end.len()).position(|w| w == end))
        .map_or(b.len(), |p| from + p + end.len())
}

/// The end of a start tag whose name begins at `from`, and whether it closes itself
/// (`/>`). Quoted attribute values may hold `>`; the tokenizer refuses a `<` in them,
/// so a quote never runs past one.
fn tag_end(b: &[u8], from: usize) -> (usize, bool) {
    let mut quote = None;
    let mut i = from;
    while let Some(&c) = b.get(i) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), b'<') => return (i, false),
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(c),
            (None, b'>') => return (i + 1, i > from && b[i - 1] == b'/'),
            (None, b'<') => return (i, false),
            (None, _) => {}
        }
        i += 1;
    }
    (b.len(), false)
}

/// The index after a `<!DOCTYPE …>` (or other `<!…>` outside the DTD) that starts
/// before `from`; an `<!ENTITY` inside its internal subset is an error.
fn doctype_end(b: &[u8], from: usize) -> Result<usize> {
    let mut quote = None;
    let mut subset = false;
    let mut i = from;
    while let Some(&c) = b.get(i) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(c),
            (None, b'[') => subset = true,
            (None, b']') => subset = false,
            (None, b'<') if subset && b[i..].starts_with(b"<!--") => {
                i = skip_past(b, i + 4, b"-->");
                continue;
            }
            (None, b'<') if b[i..].starts_with(b"<!ENTITY") => {
                let line = b[..i].iter().filter(|&&c| c == b'\n').count() + 1;
                return Err(Error::parse(
                    Some(line),
                    "the DTD declares entities (<!ENTITY …>): refused, since expanding \
                     them can take minutes and gigabytes",
                ));
            }
            (None, b'>') if !subset => return Ok(i + 1),
            (None, _) => {}
        }
        i += 1;
    }
    Ok(b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_open_elements_like_the_tokenizer() {
        let ok = "<?xml version=\"1.0\"?><!DOCTYPE score-partwise PUBLIC \"-//R//DTD 4.0 Partwise//EN\" \
                  \"http://www.musicxml.org/dtds/partwise.dtd\"><a><!-- <b><b><b> --><c x=\"/>\"/>\
                  <d y='>'><![CDATA[<e><e><e>]]></d></a>";
        assert!(check(ok, 2).is_ok());
        assert!(check(ok, 1).is_err());
        let deep = format!("{}{}", "<a>".repeat(10), "</a>".repeat(10));
        assert!(check(&deep, 10).is_ok());
        let e = check(&deep, 9).unwrap_err().to_string();
        assert!(
            e.contains("depth") && e.contains("10") && e.contains('9'),
            "{e}"
        );
        // Siblings do not add up.
        assert!(check(&"<a></a>".repeat(100), 1).is_ok());
        assert!(check(&"<a/>".repeat(100), 0).is_ok());
    }

    #[test]
    fn entity_declarations_are_refused_and_other_dtds_pass() {
        let entity = "<!DOCTYPE a [\n<!ENTITY e \"x\">\n]><a>&e;</a>";
        let e = check(entity, 64).unwrap_err().to_string();
        assert!(e.contains("ENTITY") && e.contains("line 2"), "{e}");
        let element = "<!DOCTYPE a [ <!ELEMENT a (#PCDATA)> <!-- <!ENTITY --> ]><a/>";
        assert!(check(element, 64).is_ok());
        // Text that merely mentions it is no declaration.
        assert!(check("<a>&lt;!ENTITY</a>", 64).is_ok());
    }

    #[test]
    fn truncated_text_never_panics() {
        let text = "<!DOCTYPE a [<!ELEMENT a ANY>]><a b=\"1\"><!-- c --><![CDATA[d]]><?e f?></a>";
        for end in 0..text.len() {
            let _ = check(&text[..end], 64);
        }
    }
}
