//! Shortcodes, as Zola writes them: `{{ figure(src="chart.png",
//! caption="…") }}` inline, and `{% note(kind="context") %}…{% end %}`
//! around Markdown. Each is rendered by the theme's or site's template
//! `shortcodes/NAME.html` (through the [`super::Resolver`]) with its
//! arguments, and the block's Markdown as `body`.
//!
//! Before the page is parsed, each shortcode is swapped for a short token
//! (a paragraph of its own for a block), with a map back to where it was
//! written for diagnostics; the tokens in the HTML are then replaced by
//! what the templates gave. A shortcode whose template is Markdown
//! (`shortcodes/NAME.md`, as in Zola) is rendered before the page is
//! parsed instead, and what it gives is parsed with the page: its
//! citations and links are the page's (a block's body is given to it as
//! Markdown).

use serde_json::{Map, Value};

/// One shortcode as written.
#[derive(Debug)]
pub(super) struct Call {
    pub name: String,
    pub args: Map<String, Value>,
    /// A block, around Markdown (`{% name() %}…{% end %}`).
    pub block: bool,
    /// Where it is written in the body.
    pub at: usize,
}

/// The body with each shortcode as a token; the calls in order; the map
/// from the masked text's offsets to the body's; and what is malformed, by
/// offset.
pub(super) struct Masked {
    pub text: String,
    pub calls: Vec<Call>,
    pub map: Vec<Stretch>,
    pub errors: Vec<(usize, String)>,
}

/// Where a stretch of the masked text starts (`masked`) and where that is
/// in the body; `made`: the stretch is a Markdown shortcode's output, all
/// of it at the shortcode.
#[derive(Debug, Clone, Copy)]
pub(super) struct Stretch {
    pub masked: usize,
    pub body: usize,
    pub made: bool,
}

impl Stretch {
    fn at(masked: usize, body: usize) -> Stretch {
        Stretch {
            masked,
            body,
            made: false,
        }
    }
}

/// The token of inline call `n`, and of block `n`'s two tags.
pub(super) fn token(n: usize) -> String {
    format!("\u{2}{n}\u{3}")
}

fn open_token(n: usize) -> String {
    format!("\u{2}{n}\u{4}")
}

fn close_token(n: usize) -> String {
    format!("\u{2}{n}\u{5}")
}

/// `html` with every call's token replaced by what `render` makes of it
/// (a block's with the HTML between its tags as its body): innermost
/// blocks first. A block cut in two (a summary) is dropped whole.
pub(super) fn splice(
    html: &str,
    calls: &[Call],
    render: &mut dyn FnMut(usize, Option<&str>) -> String,
) -> String {
    let mut html = html.to_string();
    for n in (0..calls.len()).filter(|&n| !calls[n].block) {
        let t = token(n);
        if html.contains(&t) {
            let made = render(n, None);
            html = html.replace(&t, &made);
        }
    }
    for n in (0..calls.len()).rev().filter(|&n| calls[n].block) {
        let (open, close) = (open_token(n), close_token(n));
        let wrapped = |t: &str| format!("<p>{t}</p>\n");
        let start = html
            .find(&wrapped(&open))
            .map(|k| (k, wrapped(&open).len()))
            .or_else(|| html.find(&open).map(|k| (k, open.len())));
        let end = html
            .find(&wrapped(&close))
            .map(|k| (k, wrapped(&close).len()))
            .or_else(|| html.find(&close).map(|k| (k, close.len())));
        match (start, end) {
            (Some((a, al)), Some((b, bl))) if a + al <= b => {
                let made = render(n, Some(&html[a + al..b]));
                html.replace_range(a..b + bl, &made);
            }
            (Some((a, _)), _) => html.truncate(a),
            _ => {}
        }
    }
    html
}

/// The body with its shortcodes swapped for tokens (`None`: it has none).
/// Code (fenced blocks and spans) is left as it is.
pub(super) fn mask(body: &str) -> Option<Masked> {
    if !body.contains("{{") && !body.contains("{%") {
        return None;
    }
    let mut out = Masked {
        text: String::with_capacity(body.len()),
        calls: Vec::new(),
        map: vec![Stretch::at(0, 0)],
        errors: Vec::new(),
    };
    let bytes = body.as_bytes();
    let mut i = 0;
    let mut copied = 0;
    let mut fenced = false;
    // Blocks opened and not yet ended, innermost last.
    let mut open: Vec<usize> = Vec::new();
    let mut line_start = true;
    while i < bytes.len() {
        if line_start {
            let line = &body[i..];
            let trimmed = line.trim_start_matches(' ');
            if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
                fenced = !fenced;
            }
        }
        line_start = bytes[i] == b'\n';
        // The next character's start (the body is UTF-8: step by characters).
        let next = i + body[i..].chars().next().map_or(1, char::len_utf8);
        if fenced {
            i = next;
            continue;
        }
        if bytes[i] == b'`' {
            // An inline code span: to the next backtick run of the same length.
            let run = body[i..].bytes().take_while(|&b| b == b'`').count();
            let fence = &body[i..i + run];
            match body[i + run..].find(fence) {
                Some(end) => i += run + end + run,
                None => i += run,
            }
            continue;
        }
        let block = body[i..].starts_with("{%");
        if !(block || body[i..].starts_with("{{")) {
            i = next;
            continue;
        }
        let close = if block { "%}" } else { "}}" };
        let Some((name, args_text, head_end)) = parse_head(body, i, close) else {
            i += 2;
            continue;
        };
        if block && name == "end" {
            match open.pop() {
                Some(n) => {
                    out.text.push_str(&body[copied..i]);
                    out.text.push_str(&format!("\n\n{}\n\n", close_token(n)));
                    out.map.push(Stretch::at(out.text.len(), head_end));
                    copied = head_end;
                }
                None => out
                    .errors
                    .push((i, "`{% end %}` without a shortcode it ends".into())),
            }
            i = head_end;
            continue;
        }
        let args = match parse_args(args_text) {
            Ok(args) => args,
            Err(why) => {
                out.errors.push((i, format!("shortcode `{name}`: {why}")));
                i = head_end;
                continue;
            }
        };
        if block && find_end(body, head_end).is_none() {
            out.errors
                .push((i, format!("shortcode `{name}` has no `{{% end %}}`")));
            i = head_end;
            continue;
        }
        out.text.push_str(&body[copied..i]);
        let n = out.calls.len();
        match block {
            true => {
                out.text.push_str(&format!("\n\n{}\n\n", open_token(n)));
                open.push(n);
            }
            false => out.text.push_str(&token(n)),
        }
        out.calls.push(Call {
            name: name.to_string(),
            args,
            block,
            at: i,
        });
        out.map.push(Stretch::at(out.text.len(), head_end));
        copied = head_end;
        i = head_end;
    }
    out.text.push_str(&body[copied..]);
    for n in open {
        let why = format!("shortcode `{}` has no `{{% end %}}`", out.calls[n].name);
        out.errors.push((out.calls[n].at, why));
    }
    Some(out)
}

/// `{{ name(args) }}` or `{% name(args) %}` at `at`: name, the arguments'
/// text and where the tag ends; `None` when it is not a shortcode.
fn parse_head<'b>(body: &'b str, at: usize, close: &str) -> Option<(&'b str, &'b str, usize)> {
    let rest = &body[at + 2..];
    let inner = rest.trim_start_matches([' ', '\t']);
    let name_len = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(inner.len());
    let name = &inner[..name_len];
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return None;
    }
    let after = &inner[name_len..];
    let start = at + 2 + (rest.len() - inner.len()) + name_len;
    if name == "end" && after.trim_start().starts_with(close) {
        let end = start + after.find(close)? + close.len();
        return Some((name, "", end));
    }
    let after_paren = after.strip_prefix('(')?;
    // The closing parenthesis outside strings.
    let mut quote = None;
    let mut escaped = false;
    let mut close_paren = None;
    for (k, c) in after_paren.char_indices() {
        match (quote, c) {
            (Some(_), '\\') if !escaped => escaped = true,
            (Some(q), c) if c == q && !escaped => quote = None,
            (Some(_), _) => escaped = false,
            (None, '"' | '\'') => quote = Some(c),
            (None, ')') => {
                close_paren = Some(k);
                break;
            }
            (None, '\n') => return None,
            _ => {}
        }
    }
    let k = close_paren?;
    let args = &after_paren[..k];
    let tail = &after_paren[k + 1..];
    let tail_trimmed = tail.trim_start_matches([' ', '\t']);
    if !tail_trimmed.starts_with(close) {
        return None;
    }
    let end = start + 1 + k + 1 + (tail.len() - tail_trimmed.len()) + close.len();
    Some((name, args, end))
}

/// Whether a `{% end %}` comes after `from`.
fn find_end(body: &str, from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(k) = body[i..].find("{%") {
        let at = i + k;
        if let Some(("end", _, end)) = parse_head(body, at, "%}") {
            return Some(end);
        }
        i = at + 2;
    }
    None
}

/// `key="text", n=3, flag=true` → the arguments.
fn parse_args(text: &str) -> Result<Map<String, Value>, String> {
    let mut args = Map::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let eq = rest
            .find('=')
            .ok_or_else(|| format!("`{rest}` is not `name=value`"))?;
        let key = rest[..eq].trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("`{key}` is not an argument name"));
        }
        let value_text = rest[eq + 1..].trim_start();
        let (value, used) = match value_text.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let mut s = String::new();
                let mut escaped = false;
                let mut end = None;
                for (k, c) in value_text.char_indices().skip(1) {
                    match c {
                        '\\' if !escaped => escaped = true,
                        c if c == q && !escaped => {
                            end = Some(k + 1);
                            break;
                        }
                        c => {
                            s.push(c);
                            escaped = false;
                        }
                    }
                }
                let end = end.ok_or_else(|| format!("the value of `{key}` has no closing {q}"))?;
                (Value::String(s), end)
            }
            _ => {
                let end = value_text.find(',').unwrap_or(value_text.len());
                let word = value_text[..end].trim();
                let value = match word {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    w => match (w.parse::<i64>(), w.parse::<f64>()) {
                        (Ok(n), _) => Value::from(n),
                        (_, Ok(f)) => Value::from(f),
                        _ => {
                            return Err(format!(
                                "the value of `{key}` must be a quoted text, a number, true or false, not `{w}`"
                            ));
                        }
                    },
                };
                (value, end)
            }
        };
        if args.insert(key.to_string(), value).is_some() {
            return Err(format!("`{key}` is given twice"));
        }
        rest = value_text[used..].trim_start();
        rest = match rest.strip_prefix(',') {
            Some(r) => r.trim_start(),
            None if rest.is_empty() => rest,
            None => return Err(format!("expected `,` before `{rest}`")),
        };
    }
    Ok(args)
}

/// The body offset of `masked`, an offset in the masked text.
pub(super) fn unmask(map: &[Stretch], masked: usize) -> usize {
    let k = map
        .partition_point(|s| s.masked <= masked)
        .saturating_sub(1);
    let s = map[k];
    match s.made {
        true => s.body,
        false => s.body + (masked - s.masked),
    }
}

/// A call's template rendered with its body: `None` when it has no
/// template of that kind, else its output or what is wrong.
pub(super) type RenderCall<'a> =
    dyn FnMut(&Call, Option<&str>) -> Option<Result<String, String>> + 'a;

/// Each call whose template is Markdown (`render` gives `Some`: its output
/// or what is wrong) replaced in the masked text by what it made, a block
/// with its body (the Markdown between its tags) given to it. Inner calls
/// come first, so an outer block gets its body with them made (and what
/// goes wrong in it is placed at the outer call).
pub(super) fn expand_markdown(m: &mut Masked, render: &mut RenderCall) {
    for n in (0..m.calls.len()).rev() {
        let call = &m.calls[n];
        // Where its token (a block's, from open to close) is now, and its body.
        let (range, body) = if call.block {
            let (open, close) = (
                format!("\n\n{}\n\n", open_token(n)),
                format!("\n\n{}\n\n", close_token(n)),
            );
            let Some(a) = m.text.find(&open) else {
                continue;
            };
            let Some(b) = m.text[a..].find(&close).map(|b| a + b) else {
                continue;
            };
            let body = m.text[a + open.len()..b].to_string();
            (a..b + close.len(), Some(body))
        } else {
            let t = token(n);
            let Some(a) = m.text.find(&t) else { continue };
            (a..a + t.len(), None)
        };
        let made = match render(call, body.as_deref()) {
            None => continue,
            Some(Ok(made)) => made,
            Some(Err(why)) => {
                m.errors
                    .push((call.at, format!("shortcode `{}`: {why}", call.name)));
                String::new()
            }
        };
        let made = match call.block {
            true => format!("\n\n{}\n\n", made.trim_end()),
            false => made.trim_end().to_string(),
        };
        // The map: the output all at the call, then the text after it where it was.
        let after = unmask(&m.map, range.end);
        let shift = made.len() as isize - range.len() as isize;
        let at = call.at;
        m.map
            .retain(|s| s.masked < range.start || s.masked > range.end);
        for s in &mut m.map {
            if s.masked > range.end {
                s.masked = (s.masked as isize + shift) as usize;
            }
        }
        let k = m.map.partition_point(|s| s.masked < range.start);
        let end = range.start + made.len();
        m.map.insert(k, Stretch::at(end, after));
        m.map.insert(
            k,
            Stretch {
                masked: range.start,
                body: at,
                made: true,
            },
        );
        m.text.replace_range(range, &made);
    }
}

#[cfg(test)]
mod tests {
    use crate::markdown::tests::render_at;

    #[test]
    fn a_markdown_shortcode_is_parsed_with_the_page_and_its_errors_are_at_the_call() {
        let r = render_at(
            "a.md",
            "First [@brief].\n\n{{ row(claim=\"It is *so*\", by=\"ft\") }}\n\n\
             {% quoted() %}\nSaid [@ft] with {{ tag(x=1) }}.\n{% end %}\n\n\
             {{ row(claim=\"Bad\", by=\"nobody\") }}\n\nLast [@missing].\n",
        );
        // Its citations are the page's: numbered in order with the rest.
        assert!(
            r.html.contains("<td>It is <em>so</em></td><td><sup class=\"cite\">[<a class=\"citation\" href=\"#ref-2\""),
            "{}",
            r.html
        );
        assert_eq!(r.citations, ["brief", "ft"]);
        // A block's body is Markdown given to it; an HTML shortcode inside is still rendered.
        assert!(
            r.html
                .contains("<blockquote>\n<p>Said <sup class=\"cite\">"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<b>{\"x\":1}</b>"), "{}", r.html);
        // What goes wrong in its output is at the call; later positions hold.
        let got: Vec<(usize, usize)> = r.diagnostics.iter().map(|d| (d.line, d.column)).collect();
        assert_eq!(got, [(12, 1), (14, 6)], "{:?}", r.diagnostics);
        assert!(r.diagnostics[0].message.contains("`@nobody`"));
        assert!(r.diagnostics[1].message.contains("`@missing`"));
    }

    #[test]
    fn inline_and_block_shortcodes_render_through_their_templates() {
        let r = render_at(
            "a.md",
            "Before {{ tag(a=\"x, y\", n=3, on=true) }} after.\n\n{% box(kind=\"note\") %}\nSome **bold** text [@ft].\n\n{% box() %}\nInner.\n{% end %}\n{% end %}\n\nLast.\n",
        );
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert!(
            r.html
                .contains(r#"<p>Before <b>{"a":"x, y","n":3,"on":true}</b> after.</p>"#),
            "{}",
            r.html
        );
        assert!(
            r.html.contains(
                "<div class=\"note\"><p>Some <strong>bold</strong> text <sup class=\"cite\">"
            ),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains("<div class=\"plain\"><p>Inner.</p>\n</div></div>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<p>Last.</p>"));
        assert_eq!(r.citations, ["ft"], "a block's Markdown is the page's");
        // The summary is the first paragraph, with its shortcode.
        assert!(r.summary.contains("<b>{"), "{}", &*r.summary);
    }

    #[test]
    fn text_around_shortcodes_may_be_any_utf_8() {
        // Found by the fuzz corpus test: the scan stepped into a character.
        let r = render_at(
            "a.md",
            "Déjà – vu {{ tag(a=\"é\") }} ﻿{% box() %}\nÜber\n{% end %}\n",
        );
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert!(r.html.contains(r#"<b>{"a":"é"}</b>"#), "{}", r.html);
        assert!(r.html.contains("<p>Über</p>"), "{}", r.html);
    }

    #[test]
    fn code_keeps_shortcodes_as_text() {
        let r = render_at("a.md", "`{{ tag(a=1) }}`\n\n```\n{{ tag(a=1) }}\n```\n");
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert_eq!(r.html.matches("{{ tag(a=1) }}").count(), 2, "{}", r.html);
    }

    #[test]
    fn a_wrong_shortcode_is_an_error_where_it_is_written_and_later_positions_hold() {
        let r = render_at(
            "a.md",
            "Intro {{ nope(x=1) }}.\n\n{{ tag(x=) }}\n\n{% box() %}\nnever ended\n\nSee [@missing].\n",
        );
        let got: Vec<(usize, usize, &str)> = r
            .diagnostics
            .iter()
            .map(|d| (d.line, d.column, d.message.as_str()))
            .collect();
        assert!(
            got.iter().any(|(l, c, m)| (*l, *c) == (4, 7)
                && m.starts_with(
                    "shortcode `nope`: no such shortcode: add templates/shortcodes/nope.html"
                )),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|(l, c, m)| (*l, *c) == (6, 1) && m.contains("the value of `x` must be")),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|(l, c, m)| (*l, *c) == (8, 1) && m.contains("has no `{% end %}`")),
            "{got:?}"
        );
        // After the shortcodes, an error's position is still the text's.
        assert!(
            got.iter()
                .any(|(l, c, m)| (*l, *c) == (11, 5) && m.contains("unknown source `@missing`")),
            "{got:?}"
        );
    }
}
