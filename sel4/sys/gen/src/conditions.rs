//! Conditions on syscalls and methods, evaluated against the kernel configuration.
//!
//! Two spellings exist: 5.0-era files carry a C preprocessor expression in a
//! `condition="..."` attribute (`defined CONFIG_X`, `defined(CONFIG_X)`,
//! `CONFIG_MAX_NUM_NODES > 1`); current files carry a `<condition>` child element
//! holding `<config var="CONFIG_X"/>`, `<and>`, `<or>` and `<not>`. Both are
//! evaluated the way the C preprocessor would see them with the kernel's
//! `autoconf.h`: a boolean option is defined only when true, every string or
//! number option is defined.

use roxmltree::Node;

use crate::config::Config;

/// Whether `node` (a `<method>`, `<interface>` or syscall `<config>`) is enabled.
pub fn node_enabled(node: Node, cfg: &Config) -> Result<bool, String> {
    if let Some(expr) = node.attribute("condition") {
        if !expr.trim().is_empty() && !eval_cpp(expr, cfg)? {
            return Ok(false);
        }
    }
    for cond in node.children().filter(|c| c.has_tag_name("condition")) {
        let mut kids = cond.children().filter(|c| c.is_element());
        if let Some(expr) = kids.next() {
            if kids.next().is_some() {
                return Err("<condition> must have exactly one child element".into());
            }
            if !eval_element(expr, cfg)? {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// Evaluates a `<config>`/`<and>`/`<or>`/`<not>` element.
pub fn eval_element(node: Node, cfg: &Config) -> Result<bool, String> {
    let kids = || node.children().filter(|c| c.is_element());
    match node.tag_name().name() {
        "config" => {
            let var = node
                .attribute("var")
                .filter(|v| !v.is_empty())
                .ok_or("<config> without a var attribute")?;
            Ok(macro_defined(cfg, var))
        }
        "not" => {
            let mut k = kids();
            let child = k.next().ok_or("<not> without a child")?;
            Ok(!eval_element(child, cfg)?)
        }
        "and" => {
            for k in kids() {
                if !eval_element(k, cfg)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        "or" => {
            for k in kids() {
                if eval_element(k, cfg)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        other => Err(format!("unrecognised element <{other}> in a condition")),
    }
}

/// Whether the C preprocessor sees the macro `name` as defined: `autoconf.h`
/// defines only `CONFIG_*` names (a `gen_config.json` key `X` is the macro
/// `CONFIG_X`), so a bare `X` is not defined even when the key `X` exists.
fn macro_defined(cfg: &Config, name: &str) -> bool {
    name.starts_with("CONFIG_") && cfg.is_defined(name)
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Num(i128),
    Op(&'static str),
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    const OPS: [&str; 14] = [
        "&&", "||", "==", "!=", "<=", ">=", "<", ">", "!", "(", ")", "+", "-", "*",
    ];
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    'outer: while i < b.len() {
        let c = b[i] as char;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let st = i;
            while i < b.len() && ((b[i] as char).is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Ident(s[st..i].to_string()));
            continue;
        }
        if c.is_ascii_digit() {
            let st = i;
            while i < b.len() && (b[i] as char).is_ascii_alphanumeric() {
                i += 1;
            }
            let text = s[st..i].trim_end_matches(['u', 'U', 'l', 'L']);
            let n = if let Some(h) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
                i128::from_str_radix(h, 16)
            } else {
                text.parse()
            }
            .map_err(|_| format!("bad number in condition {s:?}"))?;
            out.push(Tok::Num(n));
            continue;
        }
        for op in OPS {
            if s[i..].starts_with(op) {
                out.push(Tok::Op(op));
                i += op.len();
                continue 'outer;
            }
        }
        return Err(format!("unexpected character {c:?} in condition {s:?}"));
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    cfg: &'a Config,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn or(&mut self) -> Result<i128, String> {
        let mut v = self.and()?;
        while self.eat("||") {
            let r = self.and()?;
            v = ((v != 0) || (r != 0)) as i128;
        }
        Ok(v)
    }
    fn and(&mut self) -> Result<i128, String> {
        let mut v = self.eq()?;
        while self.eat("&&") {
            let r = self.eq()?;
            v = ((v != 0) && (r != 0)) as i128;
        }
        Ok(v)
    }
    fn eq(&mut self) -> Result<i128, String> {
        let mut v = self.rel()?;
        loop {
            if self.eat("==") {
                v = (v == self.rel()?) as i128;
            } else if self.eat("!=") {
                v = (v != self.rel()?) as i128;
            } else {
                return Ok(v);
            }
        }
    }
    fn rel(&mut self) -> Result<i128, String> {
        let mut v = self.add()?;
        loop {
            if self.eat("<=") {
                v = (v <= self.add()?) as i128;
            } else if self.eat(">=") {
                v = (v >= self.add()?) as i128;
            } else if self.eat("<") {
                v = (v < self.add()?) as i128;
            } else if self.eat(">") {
                v = (v > self.add()?) as i128;
            } else {
                return Ok(v);
            }
        }
    }
    fn add(&mut self) -> Result<i128, String> {
        let mut v = self.mul()?;
        loop {
            if self.eat("+") {
                v += self.mul()?;
            } else if self.eat("-") {
                v -= self.mul()?;
            } else {
                return Ok(v);
            }
        }
    }
    fn mul(&mut self) -> Result<i128, String> {
        let mut v = self.unary()?;
        while self.eat("*") {
            v *= self.unary()?;
        }
        Ok(v)
    }
    fn unary(&mut self) -> Result<i128, String> {
        if self.eat("!") {
            return Ok((self.unary()? == 0) as i128);
        }
        if self.eat("-") {
            return Ok(-self.unary()?);
        }
        if self.eat("(") {
            let v = self.or()?;
            if !self.eat(")") {
                return Err("missing ')'".into());
            }
            return Ok(v);
        }
        match self.toks.get(self.pos).cloned() {
            Some(Tok::Num(n)) => {
                self.pos += 1;
                Ok(n)
            }
            Some(Tok::Ident(id)) if id == "defined" => {
                self.pos += 1;
                let paren = self.eat("(");
                let name = match self.toks.get(self.pos).cloned() {
                    Some(Tok::Ident(n)) => n,
                    _ => return Err("defined without a name".into()),
                };
                self.pos += 1;
                if paren && !self.eat(")") {
                    return Err("missing ')' after defined(".into());
                }
                Ok(macro_defined(self.cfg, &name) as i128)
            }
            Some(Tok::Ident(id)) => {
                self.pos += 1;
                Ok(if id.starts_with("CONFIG_") {
                    self.cfg.numeric(&id)
                } else {
                    0
                })
            }
            other => Err(format!("unexpected token {other:?}")),
        }
    }
}

/// Evaluates a C preprocessor `#if` expression over `CONFIG_*` names.
pub fn eval_cpp(expr: &str, cfg: &Config) -> Result<bool, String> {
    let toks = lex(expr)?;
    let mut p = Parser { toks, pos: 0, cfg };
    let v = p.or().map_err(|e| format!("{e} in condition {expr:?}"))?;
    if p.pos != p.toks.len() {
        return Err(format!("trailing tokens in condition {expr:?}"));
    }
    Ok(v != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Value;

    fn cfg() -> Config {
        let mut c = Config::default();
        c.values.insert("DEBUG_BUILD".into(), Value::Bool(true));
        c.values.insert("VTX".into(), Value::Bool(false));
        c.values.insert("MAX_NUM_NODES".into(), Value::Number(1));
        c
    }

    #[test]
    fn cpp_expressions() {
        let c = cfg();
        assert!(eval_cpp("defined CONFIG_DEBUG_BUILD", &c).unwrap());
        assert!(!eval_cpp("defined(CONFIG_VTX)", &c).unwrap());
        assert!(!eval_cpp("defined(CONFIG_MISSING)", &c).unwrap());
        assert!(!eval_cpp("CONFIG_MAX_NUM_NODES > 1", &c).unwrap());
        assert!(eval_cpp("CONFIG_MAX_NUM_NODES == 1 && !defined(CONFIG_VTX)", &c).unwrap());
        assert!(eval_cpp("defined(CONFIG_VTX) || (defined CONFIG_DEBUG_BUILD)", &c).unwrap());
    }

    #[test]
    fn only_config_macros_are_defined() {
        let c = cfg();
        // autoconf.h defines CONFIG_DEBUG_BUILD, never DEBUG_BUILD.
        assert!(!eval_cpp("defined(DEBUG_BUILD)", &c).unwrap());
        assert!(eval_cpp("!defined DEBUG_BUILD", &c).unwrap());
        assert!(!eval_cpp("MAX_NUM_NODES == 1", &c).unwrap());
        assert!(eval_cpp("CONFIG_MAX_NUM_NODES >= 1 && MAX_NUM_NODES < 1", &c).unwrap());
        let doc = roxmltree::Document::parse(
            r#"<m><condition><config var="DEBUG_BUILD"/></condition></m>"#,
        )
        .unwrap();
        assert!(!node_enabled(doc.root_element(), &c).unwrap());
    }

    #[test]
    fn cpp_precedence_and_numbers() {
        let c = cfg();
        // `&&` binds tighter than `||`; `!` applies to the next operand only.
        assert!(eval_cpp(
            "defined(CONFIG_DEBUG_BUILD) || defined(CONFIG_VTX) && 0",
            &c
        )
        .unwrap());
        assert!(!eval_cpp("!defined(CONFIG_DEBUG_BUILD) || defined(CONFIG_VTX)", &c).unwrap());
        assert!(eval_cpp("!(defined(CONFIG_VTX) && defined(CONFIG_DEBUG_BUILD))", &c).unwrap());
        assert!(eval_cpp("CONFIG_MAX_NUM_NODES + 1 > 1 == 1", &c).unwrap());
        assert!(eval_cpp("CONFIG_MAX_NUM_NODES == 0x1UL", &c).unwrap());
        // An undefined CONFIG_ name is 0, a true boolean 1.
        assert!(eval_cpp("CONFIG_MISSING == 0 && CONFIG_DEBUG_BUILD == 1", &c).unwrap());
        assert!(eval_cpp("defined CONFIG_MAX_NUM_NODES", &c).unwrap());
        assert!(eval_cpp("(1", &c).is_err());
        assert!(eval_cpp("1 2", &c).is_err());
    }

    #[test]
    fn elements() {
        let c = cfg();
        let doc = roxmltree::Document::parse(
            r#"<m><condition><and><not><config var="CONFIG_VTX"/></not><config var="CONFIG_DEBUG_BUILD"/></and></condition></m>"#,
        )
        .unwrap();
        assert!(node_enabled(doc.root_element(), &c).unwrap());
        let doc = roxmltree::Document::parse(
            r#"<m><condition><or><config var="CONFIG_VTX"/><config var="CONFIG_NOPE"/></or></condition></m>"#,
        )
        .unwrap();
        assert!(!node_enabled(doc.root_element(), &c).unwrap());
    }
}
