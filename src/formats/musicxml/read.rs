//! MusicXML reading: the document, the part asked for, its measures, and its melody.

use super::assemble::PartData;
use super::guard;
use super::measure::{MeasureRef, Reader};
use super::xml::{child, child_text, children, line_of};
use crate::error::{Error, Location, Result};
use crate::formats::{ReadOptions, echo};
use crate::limits::Limits;
use crate::music::Melody;
use roxmltree::{Document, Node, ParsingOptions};

/// Parses uncompressed MusicXML text. The nesting depth and entity declarations are
/// checked before parsing, the node count while parsing ([`Limits`]).
pub fn parse(text: &str, options: &ReadOptions) -> Result<Melody> {
    let limits = Limits::DEFAULT;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    guard::check(text, limits.max_xml_depth)?;
    let nodes_limit = u32::try_from(limits.max_xml_nodes).unwrap_or(u32::MAX);
    let parsing = ParsingOptions {
        allow_dtd: true,
        nodes_limit,
    };
    let doc = Document::parse_with_options(text, parsing).map_err(|e| {
        let line = usize::try_from(e.pos().row).ok();
        if let roxmltree::Error::NodesLimitReached = e {
            return Error::Limit {
                what: "XML nodes in a document",
                value: format!("more than {nodes_limit}"),
                limit: nodes_limit.to_string(),
                location: Location::default(),
            };
        }
        Error::parse(
            line,
            format!("not well-formed XML: {}", echo(&e.to_string())),
        )
    })?;
    read_document(&doc, options)
}

fn read_document(doc: &Document, options: &ReadOptions) -> Result<Melody> {
    let root = doc.root_element();
    let timewise = match root.tag_name().name() {
        "score-partwise" => false,
        "score-timewise" => true,
        other => {
            return Err(Error::parse(
                Some(line_of(doc, root)),
                format!(
                    "not a MusicXML score: the root element is <{}>",
                    echo(other)
                ),
            ));
        }
    };
    let part = match options.part {
        Some(index) => read_part(doc, timewise, index)?,
        None => first_pitched_part(doc, timewise)?,
    };
    let mut melody = part.melody(options.voice)?;
    melody.title = title(root);
    Ok(melody)
}

/// Reads part `index` (0-based) measure by measure.
fn read_part(doc: &Document, timewise: bool, index: usize) -> Result<PartData> {
    let root = doc.root_element();
    let (measures, name, node) = if timewise {
        timewise_measures(root, index)?
    } else {
        partwise_measures(root, index)?
    };
    let mut reader = Reader::new(doc);
    Ok(PartData {
        name,
        line: line_of(doc, node),
        measures: measures
            .iter()
            .map(|&m| reader.read_measure(m))
            .collect::<Result<Vec<_>>>()?,
    })
}

/// The first part with pitched notes; if none has any, the first part (whose melody
/// then says what it lacks).
fn first_pitched_part(doc: &Document, timewise: bool) -> Result<PartData> {
    let first = read_part(doc, timewise, 0)?;
    if first.has_pitched_notes() {
        return Ok(first);
    }
    for index in 1.. {
        let part = match read_part(doc, timewise, index) {
            Ok(part) => part,
            Err(Error::Invalid(_)) => break,
            Err(e) => return Err(e),
        };
        if part.has_pitched_notes() {
            return Ok(part);
        }
    }
    Ok(first)
}

fn no_part(index: usize, count: usize) -> Error {
    Error::Invalid(format!(
        "MusicXML part {index} requested, but the score has {count} part(s) \
         (--part counts from 0)"
    ))
}

/// How messages name part `index` with id `id`: `part "Flute" (--part 1)`.
fn part_name(root: Node, id: Option<&str>, index: usize) -> String {
    let name = child(root, "part-list")
        .into_iter()
        .flat_map(|list| children(list, "score-part"))
        .find(|p| p.attribute("id") == id)
        .and_then(|p| child_text(p, "part-name"))
        .filter(|n| !n.is_empty())
        .or(id)
        .unwrap_or("");
    format!("part \"{}\" (--part {index})", echo(name))
}

/// The measures of the part asked for, its name, and the node to point errors at.
type Measures<'a, 'i> = (Vec<MeasureRef<'a, 'i>>, String, Node<'a, 'i>);

fn partwise_measures<'a, 'i>(root: Node<'a, 'i>, index: usize) -> Result<Measures<'a, 'i>> {
    let parts: Vec<_> = children(root, "part").collect();
    let part = *parts
        .get(index)
        .ok_or_else(|| no_part(index, parts.len()))?;
    let measures = children(part, "measure")
        .map(|m| MeasureRef {
            measure: m,
            content: m,
        })
        .collect();
    Ok((measures, part_name(root, part.attribute("id"), index), part))
}

fn timewise_measures<'a, 'i>(root: Node<'a, 'i>, index: usize) -> Result<Measures<'a, 'i>> {
    let mut ids: Vec<&str> = child(root, "part-list")
        .into_iter()
        .flat_map(|list| children(list, "score-part"))
        .filter_map(|p| p.attribute("id"))
        .collect();
    if ids.is_empty() {
        let first = child(root, "measure");
        ids = first
            .into_iter()
            .flat_map(|m| children(m, "part"))
            .filter_map(|p| p.attribute("id"))
            .collect();
    }
    let id = *ids.get(index).ok_or_else(|| no_part(index, ids.len()))?;
    let measures = children(root, "measure")
        .map(|m| MeasureRef {
            measure: m,
            content: children(m, "part")
                .find(|p| p.attribute("id") == Some(id))
                .unwrap_or(m),
        })
        .collect();
    Ok((measures, part_name(root, Some(id), index), root))
}

fn title(root: Node) -> Option<String> {
    let work = child(root, "work").and_then(|w| child_text(w, "work-title"));
    work.or_else(|| child_text(root, "movement-title"))
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
#[path = "read_tests.rs"]
mod tests;
