//! Small helpers over `roxmltree` nodes: children by name, trimmed text, line numbers.

use roxmltree::{Document, Node};

/// The 1-based line where a node starts.
pub(super) fn line_of(doc: &Document, node: Node) -> usize {
    usize::try_from(doc.text_pos_at(node.range().start).row).unwrap_or(0)
}

/// The element children of `node` named `name`.
pub(super) fn children<'a, 'i>(
    node: Node<'a, 'i>,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(move |c| c.has_tag_name(name))
}

/// The first element child named `name`.
pub(super) fn child<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> Option<Node<'a, 'i>> {
    children(node, name).next()
}

/// The trimmed text of a child element.
pub(super) fn child_text<'a>(node: Node<'a, '_>, name: &'static str) -> Option<&'a str> {
    child(node, name).and_then(|c| c.text()).map(str::trim)
}

/// Whether an element applies to the first staff: it has no `number`, or number 1
/// (per-staff `<key>`, `<time>` and `<transpose>` elements of a piano part).
pub(super) fn for_first_staff(node: Node) -> bool {
    node.attribute("number").is_none_or(|n| n.trim() == "1")
}
