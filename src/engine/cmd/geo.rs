//! Geo commands (Redis's geo.c) over sorted sets: GEOADD, GEOPOS, GEODIST, GEOHASH. The
//! geohash arithmetic is in `engine::geo`.

use super::{eq, wrongtype};
use crate::engine::geo;
use crate::engine::object::Value;
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

/// The geo set at `key` for reading; WRONGTYPE if it holds something else.
fn geo_set<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a ZSet>, Reply> {
    let db = ctx.db();
    match ctx.core.lookup_read(db, key) {
        None => Ok(None),
        Some(o) => match &o.value {
            Value::ZSet(z) => Ok(Some(z)),
            _ => Err(wrongtype()),
        },
    }
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
    let z = match geo_set(ctx, &argv[1]) {
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
    let z = match geo_set(ctx, &argv[1]) {
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
    let z = match geo_set(ctx, &argv[1]) {
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
