//! Geo commands (Redis's geo.c) over sorted sets: GEOADD, GEOPOS, GEODIST, GEOHASH. The
//! geohash arithmetic is in `engine::geo`.

use super::eq;
use super::zset::zread;
use crate::engine::geo;
use crate::engine::zset::{parse_score, ZSet};
use crate::engine::{Ctx, Reply};

/// A longitude,latitude pair with Redis's checks and error texts.
fn lon_lat(a: &[u8], b: &[u8]) -> Result<(f64, f64), Reply> {
    let lon = parse_score(a).ok_or_else(|| Reply::err("ERR value is not a valid float"))?;
    let lat = parse_score(b).ok_or_else(|| Reply::err("ERR value is not a valid float"))?;
    if !geo::valid(lon, lat) {
        return Err(Reply::Error(format!(
            "ERR invalid longitude,latitude pair {lon:.6},{lat:.6}"
        )));
    }
    Ok((lon, lat))
}

/// GEOADD key [NX|XX] [CH] lon lat member ...: validated, turned into ZADD with the
/// geohashes as scores, as Redis does.
pub fn geoadd(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (mut nx, mut xx) = (false, false);
    let mut first = 2;
    while first < argv.len() {
        let a = &argv[first];
        if eq(a, "nx") {
            nx = true;
        } else if eq(a, "xx") {
            xx = true;
        } else if !eq(a, "ch") {
            break;
        }
        first += 1;
    }
    let rest = &argv[first..];
    if rest.len() % 3 != 0 || (xx && nx) {
        return super::syntax();
    }
    let mut zadd: Vec<Vec<u8>> = argv[..first].to_vec();
    zadd[0] = b"zadd".to_vec();
    for t in rest.chunks(3) {
        let (lon, lat) = match lon_lat(&t[0], &t[1]) {
            Ok(p) => p,
            Err(e) => return e,
        };
        let bits = geo::encode(lon, lat).unwrap_or(0);
        zadd.push(bits.to_string().into_bytes());
        zadd.push(t[2].clone());
    }
    super::zset::zadd(ctx, &zadd)
}

pub fn geopos(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let z = match zread(ctx, &argv[1]) {
        Ok(z) => z,
        Err(e) => return e,
    };
    Reply::Array(
        argv[2..]
            .iter()
            .map(|m| match z.and_then(|z| z.score(m)) {
                Some(s) => {
                    let (lon, lat) = geo::decode(geo::score_bits(s));
                    Reply::Array(vec![
                        Reply::DoubleText(geo::coord_text(lon)),
                        Reply::DoubleText(geo::coord_text(lat)),
                    ])
                }
                None => Reply::NilArray,
            })
            .collect(),
    )
}

pub fn geodist(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let mut to_m = 1.0;
    if argv.len() == 5 {
        match geo::unit(&argv[4]) {
            Some(u) => to_m = u,
            None => return Reply::err("ERR unsupported unit provided. please use M, KM, FT, MI"),
        }
    } else if argv.len() > 5 {
        return super::syntax();
    }
    let z = match zread(ctx, &argv[1]) {
        Ok(Some(z)) => z,
        Ok(None) => return Reply::Nil,
        Err(e) => return e,
    };
    let (Some(a), Some(b)) = (z.score(&argv[2]), z.score(&argv[3])) else {
        return Reply::Nil;
    };
    let (x1, y1) = geo::decode(geo::score_bits(a));
    let (x2, y2) = geo::decode(geo::score_bits(b));
    Reply::Bulk(geo::distance_text(geo::distance(x1, y1, x2, y2) / to_m).into_bytes())
}

pub fn geohash(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let z = match zread(ctx, &argv[1]) {
        Ok(z) => z,
        Err(e) => return e,
    };
    Reply::Array(
        argv[2..]
            .iter()
            .map(|m| {
                z.and_then(|z| z.score(m))
                    .and_then(geo::hash_string)
                    .map_or(Reply::Nil, |s| Reply::Bulk(s.into_bytes()))
            })
            .collect(),
    )
}

/// Which command is searching: the GEORADIUS family takes the centre and radius as
/// positional arguments, GEOSEARCH as options.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Query {
    Radius { store: bool },
    ByMember { store: bool },
    GeoSearch,
    GeoSearchStore,
}

struct Found {
    member: Vec<u8>,
    lon: f64,
    lat: f64,
    dist: f64,
    score: f64,
}

fn distance_arg(num: &[u8], unit: &[u8]) -> Result<(f64, f64), Reply> {
    let r = parse_score(num).ok_or_else(|| Reply::err("ERR need numeric radius"))?;
    if r < 0.0 {
        return Err(Reply::err("ERR radius cannot be negative"));
    }
    let to_m = geo::unit(unit)
        .ok_or_else(|| Reply::err("ERR unsupported unit provided. please use M, KM, FT, MI"))?;
    Ok((r, to_m))
}

fn member_pos(z: Option<&ZSet>, m: &[u8]) -> Result<(f64, f64), Reply> {
    z.and_then(|z| z.score(m))
        .map(|s| geo::decode(geo::score_bits(s)))
        .ok_or_else(|| Reply::err("ERR could not decode requested zset member"))
}

/// Redis's `georadiusGeneric`: GEORADIUS[_RO], GEORADIUSBYMEMBER[_RO], GEOSEARCH and
/// GEOSEARCHSTORE.
/// The notification for a search's stored result: GEOSEARCHSTORE's, or the STORE and
/// STOREDIST options of the GEORADIUS commands.
fn store_event(kind: Query) -> &'static str {
    if kind == Query::GeoSearchStore {
        "geosearchstore"
    } else {
        "georadiusstore"
    }
}

fn search(ctx: &mut Ctx, argv: &[Vec<u8>], kind: Query) -> Reply {
    use crate::engine::geo::{Shape, ShapeKind};
    let src = if kind == Query::GeoSearchStore { 2 } else { 1 };
    let mut store: Option<Vec<u8>> = (kind == Query::GeoSearchStore).then(|| argv[1].clone());
    let mut storedist = false;
    let z = match zread(ctx, &argv[src]) {
        Ok(z) => z,
        Err(e) => return e,
    };
    let mut centre: Option<(f64, f64)> = None;
    let mut shape_kind: Option<(ShapeKind, f64)> = None;
    let base = match kind {
        Query::Radius { .. } => {
            let p = match lon_lat(&argv[2], &argv[3]) {
                Ok(p) => p,
                Err(e) => return e,
            };
            centre = Some(p);
            match distance_arg(&argv[4], &argv[5]) {
                Ok((r, u)) => shape_kind = Some((ShapeKind::Radius(r), u)),
                Err(e) => return e,
            }
            6
        }
        Query::ByMember { .. } if z.is_none() => 5,
        Query::ByMember { .. } => {
            match member_pos(z, &argv[2]) {
                Ok(p) => centre = Some(p),
                Err(e) => return e,
            }
            match distance_arg(&argv[3], &argv[4]) {
                Ok((r, u)) => shape_kind = Some((ShapeKind::Radius(r), u)),
                Err(e) => return e,
            }
            5
        }
        Query::GeoSearch => 2,
        Query::GeoSearchStore => 3,
    };
    let geosearch = matches!(kind, Query::GeoSearch | Query::GeoSearchStore);
    let may_store = matches!(
        kind,
        Query::Radius { store: true } | Query::ByMember { store: true }
    );
    let (mut withdist, mut withhash, mut withcoord, mut any) = (false, false, false, false);
    let (mut frommember, mut fromloc, mut byradius, mut bybox) = (false, false, false, false);
    let mut sort: Option<bool> = None; // Some(true) = ASC
    let mut count: i64 = 0;
    let rest = &argv[base.min(argv.len())..];
    let mut i = 0;
    while i < rest.len() {
        let a = &rest[i];
        let left = rest.len() - i - 1;
        if eq(a, "withdist") {
            withdist = true;
        } else if eq(a, "withhash") {
            withhash = true;
        } else if eq(a, "withcoord") {
            withcoord = true;
        } else if eq(a, "any") {
            any = true;
        } else if eq(a, "asc") {
            sort = Some(true);
        } else if eq(a, "desc") {
            sort = Some(false);
        } else if eq(a, "count") && left >= 1 {
            count = match super::int_arg(&rest[i + 1]) {
                Ok(c) => c,
                Err(e) => return e,
            };
            if count <= 0 {
                return Reply::err("ERR COUNT must be > 0");
            }
            i += 1;
        } else if (eq(a, "store") || eq(a, "storedist")) && left >= 1 && may_store {
            store = Some(rest[i + 1].clone());
            storedist = eq(a, "storedist");
            i += 1;
        } else if eq(a, "storedist") && kind == Query::GeoSearchStore {
            storedist = true;
        } else if eq(a, "frommember") && left >= 1 && geosearch && !fromloc {
            frommember = true;
            if z.is_some() {
                match member_pos(z, &rest[i + 1]) {
                    Ok(p) => centre = Some(p),
                    Err(e) => return e,
                }
            }
            i += 1;
        } else if eq(a, "fromlonlat") && left >= 2 && geosearch && !frommember {
            match lon_lat(&rest[i + 1], &rest[i + 2]) {
                Ok(p) => centre = Some(p),
                Err(e) => return e,
            }
            fromloc = true;
            i += 2;
        } else if eq(a, "byradius") && left >= 2 && geosearch && !bybox {
            match distance_arg(&rest[i + 1], &rest[i + 2]) {
                Ok((r, u)) => shape_kind = Some((ShapeKind::Radius(r), u)),
                Err(e) => return e,
            }
            byradius = true;
            i += 2;
        } else if eq(a, "bybox") && left >= 3 && geosearch && !byradius {
            let w = parse_score(&rest[i + 1]);
            let h = parse_score(&rest[i + 2]);
            let (Some(w), Some(h)) = (w, h) else {
                return Reply::err(if w.is_none() {
                    "ERR need numeric width"
                } else {
                    "ERR need numeric height"
                });
            };
            if w < 0.0 || h < 0.0 {
                return Reply::err("ERR height or width cannot be negative");
            }
            let Some(u) = geo::unit(&rest[i + 3]) else {
                return Reply::err("ERR unsupported unit provided. please use M, KM, FT, MI");
            };
            shape_kind = Some((ShapeKind::Box(w, h), u));
            bybox = true;
            i += 3;
        } else {
            return super::syntax();
        }
        i += 1;
    }
    if store.is_some() && (withdist || withhash || withcoord) {
        return Reply::Error(format!(
            "ERR {} is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
            if kind == Query::GeoSearchStore {
                "GEOSEARCHSTORE"
            } else {
                "STORE option in GEORADIUS"
            }
        ));
    }
    let name = String::from_utf8_lossy(&argv[0]);
    if geosearch && !(frommember || fromloc) {
        return Reply::Error(format!(
            "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for {name}"
        ));
    }
    if geosearch && !(byradius || bybox) {
        return Reply::Error(format!(
            "ERR exactly one of BYRADIUS and BYBOX can be specified for {name}"
        ));
    }
    if any && count == 0 {
        return Reply::err("ERR the ANY argument requires COUNT argument");
    }
    let Some(z) = z else {
        return match store {
            Some(dest) => super::zset::store_result(ctx, &dest, Vec::new(), store_event(kind)),
            None => Reply::Array(vec![]),
        };
    };
    if count != 0 && sort.is_none() && !any {
        sort = Some(true);
    }
    let (Some((lon, lat)), Some((shape_kind, to_m))) = (centre, shape_kind) else {
        return super::syntax();
    };
    let shape = Shape {
        lon,
        lat,
        to_m,
        kind: shape_kind,
    };
    let limit = if any { count as usize } else { 0 };
    let cells = geo::search_cells(&shape);
    let mut found: Vec<Found> = Vec::new();
    let mut last = 0usize;
    let full = |found: &Vec<Found>| limit > 0 && found.len() >= limit;
    for (ix, cell) in cells.iter().enumerate() {
        if *cell == geo::Cell::ZERO {
            continue;
        }
        // Huge radii make neighbours coincide: skip a cell equal to the last one scanned.
        if last != 0 && *cell == cells[last] {
            continue;
        }
        if full(&found) {
            break;
        }
        let (min, max) = cell.score_range();
        let range = crate::engine::zset::ScoreRange {
            min: min as f64,
            max: max as f64,
            minex: false,
            maxex: true,
        };
        for (m, s) in z.zsl.iter_score(&range, false) {
            let (plon, plat) = geo::decode(geo::score_bits(s));
            if let Some(dist) = shape.contains(plon, plat) {
                found.push(Found {
                    member: m.to_vec(),
                    lon: plon,
                    lat: plat,
                    dist,
                    score: s,
                });
            }
            if full(&found) {
                break;
            }
        }
        last = ix;
    }
    if found.is_empty() && store.is_none() {
        return Reply::Array(vec![]);
    }
    match sort {
        Some(true) => found.sort_by(|a, b| {
            a.dist
                .partial_cmp(&b.dist)
                .unwrap_or(std::cmp::Ordering::Equal)
        }),
        Some(false) => found.sort_by(|a, b| {
            b.dist
                .partial_cmp(&a.dist)
                .unwrap_or(std::cmp::Ordering::Equal)
        }),
        None => {}
    }
    if count > 0 {
        found.truncate(count as usize);
    }
    if let Some(dest) = store {
        let items = found
            .into_iter()
            .map(|f| (f.member, if storedist { f.dist / to_m } else { f.score }))
            .collect();
        return super::zset::store_result(ctx, &dest, items, store_event(kind));
    }
    let opts = withdist || withhash || withcoord;
    Reply::Array(
        found
            .into_iter()
            .map(|f| {
                if !opts {
                    return Reply::Bulk(f.member);
                }
                let mut item = vec![Reply::Bulk(f.member)];
                if withdist {
                    item.push(Reply::Bulk(geo::distance_text(f.dist / to_m).into_bytes()));
                }
                if withhash {
                    item.push(Reply::Int(f.score as i64));
                }
                if withcoord {
                    item.push(Reply::Array(vec![
                        Reply::DoubleText(geo::coord_text(f.lon)),
                        Reply::DoubleText(geo::coord_text(f.lat)),
                    ]));
                }
                Reply::Array(item)
            })
            .collect(),
    )
}

pub fn georadius(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    search(ctx, argv, Query::Radius { store: true })
}
pub fn georadius_ro(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    search(ctx, argv, Query::Radius { store: false })
}
pub fn georadiusbymember(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    search(ctx, argv, Query::ByMember { store: true })
}
pub fn georadiusbymember_ro(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    search(ctx, argv, Query::ByMember { store: false })
}
pub fn geosearch(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    search(ctx, argv, Query::GeoSearch)
}
pub fn geosearchstore(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    search(ctx, argv, Query::GeoSearchStore)
}
