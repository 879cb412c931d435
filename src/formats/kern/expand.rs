//! Humdrum expansion lists: `*>[A,A,B]` plays the sections labelled `*>A`, `*>B` in that
//! order, as Humdrum's `thru` does.

use crate::error::{Error, Result};
use crate::formats::echo;
use crate::limits::Limits;

/// The first token of a line.
fn first_token(line: &str) -> &str {
    line.split('\t').next().unwrap_or("")
}

/// The file's lines with their 1-based numbers, sections played in the order of the
/// file's expansion list (the unnamed `*>[…]`; named variants such as `*>norep[…]` are
/// other versions). Without a list, the lines as written.
pub(super) fn lines(text: &str) -> Result<Vec<(usize, &str)>> {
    let all: Vec<(usize, &str)> = text.lines().enumerate().map(|(i, l)| (i + 1, l)).collect();
    let list = all.iter().find_map(|&(no, l)| {
        let inner = first_token(l)
            .trim_end()
            .strip_prefix("*>[")?
            .strip_suffix(']')?;
        Some((no, inner))
    });
    let Some((list_line, inner)) = list else {
        return Ok(all);
    };
    let is_label = |l: &str| {
        let t = first_token(l);
        t.starts_with("*>") && !t.contains('[') && t.len() > 2
    };
    let first_label = all.iter().position(|&(_, l)| is_label(l));
    let Some(first_label) = first_label else {
        return Ok(all);
    };
    // The end: the line where every spine ends, and what follows it.
    let trailer = all
        .iter()
        .rposition(|&(_, l)| l.split('\t').all(|t| t == "*-"))
        .unwrap_or(all.len());
    let mut sections: Vec<(&str, std::ops::Range<usize>)> = Vec::new();
    for (k, &(_, text)) in all.iter().enumerate().take(trailer).skip(first_label) {
        if is_label(text) {
            let name = first_token(text).trim_end().trim_start_matches("*>");
            sections.push((name, k..k + 1));
        } else if let Some(last) = sections.last_mut() {
            last.1.end = k + 1;
        }
    }
    let limit = Limits::DEFAULT.max_expanded_events;
    let mut out: Vec<(usize, &str)> = all[..first_label].to_vec();
    for name in inner.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let Some((_, range)) = sections.iter().find(|(n, _)| *n == name) else {
            return Err(Error::parse(
                Some(list_line),
                format!(
                    "the expansion list names section `{}`, which the file does not label",
                    echo(name)
                ),
            ));
        };
        if out.len().saturating_add(range.len()) > limit {
            Limits::check(
                "lines after expanding the sections",
                out.len() + range.len(),
                limit,
            )?;
        }
        out.extend_from_slice(&all[range.clone()]);
    }
    out.extend_from_slice(&all[trailer..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_play_in_the_list_order() {
        let text = "**kern\n*>[A,A,B]\n*>norep[A,B]\n*>A\n4c\n*>B\n4d\n*-\n";
        let got: Vec<&str> = lines(text).unwrap().into_iter().map(|(_, l)| l).collect();
        assert_eq!(
            got,
            [
                "**kern",
                "*>[A,A,B]",
                "*>norep[A,B]",
                "*>A",
                "4c",
                "*>A",
                "4c",
                "*>B",
                "4d",
                "*-"
            ]
        );
        let bad = "**kern\n*>[A,C]\n*>A\n4c\n*-\n";
        let e = lines(bad).unwrap_err().to_string();
        assert!(e.contains("section `C`") && e.contains("line 2"), "{e}");
    }
}
