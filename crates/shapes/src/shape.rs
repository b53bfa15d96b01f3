//! The vocabulary the shape tables are written in: [`Ty`] (a JSON type),
//! [`Field`] and [`Def`] (an object definition of the reference), and
//! [`Body`] (what a reply to one operation and status carries).
//!
//! The tables are `static` data built from `const fn`s, so that a shape that
//! names another (`Ref(&PORT)`) is checked by the compiler and costs nothing
//! at run time. Nullability follows the reference's `x-nullable`: a field is
//! nullable unless it says `x-nullable: false` ([`Field::nn`]), since Go
//! encodes a nil slice or map as `null` and the reference only marks the
//! fields that must never be.

/// A JSON type as the reference gives it.
#[derive(Debug)]
pub enum Ty {
    Str,
    /// A JSON number without a fractional part.
    Int,
    Num,
    Bool,
    /// Anything, `null` included (the reference gives no type).
    Any,
    /// An object of any content (`type: object` with no properties).
    AnyObj,
    /// A string, one of these.
    Enum(&'static [&'static str]),
    /// An integer, one of these.
    IntEnum(&'static [i64]),
    /// An array of items of one type.
    Arr(&'static Ty),
    /// An object whose values all have one type (`additionalProperties`).
    Map(&'static Ty),
    /// An object of a definition.
    Ref(&'static Def),
}

impl Ty {
    /// How a finding names what was expected: `integer`, `array of string`,
    /// `object ContainerState`, `one of "tcp", "udp"`.
    pub fn describe(&self) -> String {
        match self {
            Ty::Str => "string".into(),
            Ty::Int => "integer".into(),
            Ty::Num => "number".into(),
            Ty::Bool => "boolean".into(),
            Ty::Any => "any".into(),
            Ty::AnyObj => "object".into(),
            Ty::Enum(v) => format!(
                "one of {}",
                v.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ")
            ),
            Ty::IntEnum(v) => format!(
                "one of {}",
                v.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
            ),
            Ty::Arr(t) => format!("array of {}", t.describe()),
            Ty::Map(t) => format!("map of {}", t.describe()),
            Ty::Ref(d) => format!("object {}", d.name),
        }
    }
}

/// One property of an object definition.
#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    /// Listed in the definition's `required`.
    pub required: bool,
    /// False when the reference says `x-nullable: false`.
    pub nullable: bool,
}

/// An optional, nullable field; [`Field::req`] and [`Field::nn`] narrow it.
pub const fn f(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        required: false,
        nullable: true,
    }
}

impl Field {
    /// Required: its absence is a finding.
    pub const fn req(mut self) -> Field {
        self.required = true;
        self
    }

    /// Not nullable (`x-nullable: false`): `null` is a finding.
    pub const fn nn(mut self) -> Field {
        self.nullable = false;
        self
    }
}

/// An object definition: the reference's name for it (`ContainerState`, or
/// `Parent.Field` for an object defined inline), the definitions it extends
/// (`allOf`), and its own fields in the reference's order.
#[derive(Debug)]
pub struct Def {
    pub name: &'static str,
    pub base: &'static [&'static Def],
    pub fields: &'static [Field],
}

/// A definition of its own fields only.
pub const fn def(name: &'static str, fields: &'static [Field]) -> Def {
    Def {
        name,
        base: &[],
        fields,
    }
}

impl Def {
    /// The definition extends these (`allOf: [$ref, {properties}]`).
    pub const fn with_base(mut self, base: &'static [&'static Def]) -> Def {
        self.base = base;
        self
    }

    /// Every field, the bases' first.
    pub fn all_fields(&self) -> impl Iterator<Item = &'static Field> + '_ {
        self.base
            .iter()
            .flat_map(|b| b.all_fields().collect::<Vec<_>>())
            .chain(self.fields.iter())
    }
}

/// What the reply to one operation and status carries.
#[derive(Debug, Clone, Copy)]
pub enum Body {
    /// One JSON value of this type.
    Json(&'static Ty),
    /// JSON values one after another (progress lines, events, stats), each of
    /// this type.
    JsonLines(&'static Ty),
    /// A container's output on an attached connection: multiplexed frames,
    /// or raw bytes with a TTY.
    Stream,
    /// Logs: the same bytes as [`Body::Stream`], but v1.41 documents no
    /// media type for them (dockerd 20.10 sends no `Content-Type`).
    Logs,
    /// `101 Switching Protocols`: the connection is a raw stream from here on.
    Upgraded,
    /// Plain text (`OK` from `/_ping`).
    Text,
    /// Opaque bytes (`application/octet-stream`).
    Binary,
    /// A tar archive.
    Tar,
    /// No body (204, 304, or a success the reference gives no schema).
    Empty,
}

/// One operation of the reference: its `operationId`, method, unversioned
/// path template, the replies it documents with a body of their own, and the
/// statuses whose body is an `ErrorResponse`.
#[derive(Debug)]
pub struct OpShape {
    pub id: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub replies: &'static [(u16, Body)],
    pub errors: &'static [u16],
}

impl OpShape {
    /// Whether the reference documents this status for the operation (a
    /// reply or an `ErrorResponse`): one of the (operation, status) shapes.
    pub fn documents(&self, status: u16) -> bool {
        self.replies.iter().any(|(s, _)| *s == status) || self.errors.contains(&status)
    }
}

pub const fn op(
    id: &'static str,
    method: &'static str,
    path: &'static str,
    replies: &'static [(u16, Body)],
    errors: &'static [u16],
) -> OpShape {
    OpShape {
        id,
        method,
        path,
        replies,
        errors,
    }
}
