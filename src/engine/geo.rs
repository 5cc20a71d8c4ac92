//! Geo: points on the globe stored as sorted-set scores, as Redis stores them.
//!
//! A longitude/latitude pair becomes a 52-bit *geohash*: each coordinate is scaled into
//! 26 bits (longitude over −180..180, latitude over −85.05112878..85.05112878, the
//! latitude band of Web Mercator), and the two are interleaved bit by bit, latitude in
//! the even positions. Nearby points share long prefixes, so a range of scores is a cell
//! on the map; 52 bits fit a double exactly, so the hash can be the member's score.
//!
//! Decoding gives the *centre* of the hash's cell, not the original coordinates, which is
//! why GEOPOS returns 13.36138933897018433 for 13.361389. Distances use the haversine
//! formula on a sphere of Redis's radius, 6372797.560856 m.

use super::util::LongDouble;

pub const LONG_MIN: f64 = -180.0;
pub const LONG_MAX: f64 = 180.0;
pub const LAT_MIN: f64 = -85.05112878;
pub const LAT_MAX: f64 = 85.05112878;
/// Bits per coordinate: 26 + 26 = 52, the mantissa of a double.
pub const STEP_MAX: u32 = 26;
pub const EARTH_RADIUS_M: f64 = 6372797.560856;
const D_R: f64 = std::f64::consts::PI / 180.0;
const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";

/// Spreads the 32 bits of `x` to the even bit positions of a u64.
fn spread(x: u32) -> u64 {
    let mut v = x as u64;
    v = (v | (v << 16)) & 0x0000_FFFF_0000_FFFF;
    v = (v | (v << 8)) & 0x00FF_00FF_00FF_00FF;
    v = (v | (v << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    v = (v | (v << 2)) & 0x3333_3333_3333_3333;
    (v | (v << 1)) & 0x5555_5555_5555_5555
}

/// Gathers the even bit positions of `v` into a u32 (the inverse of `spread`).
fn gather(v: u64) -> u32 {
    let mut x = v & 0x5555_5555_5555_5555;
    x = (x | (x >> 1)) & 0x3333_3333_3333_3333;
    x = (x | (x >> 2)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x >> 4)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x >> 8)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x >> 16)) & 0x0000_0000_FFFF_FFFF;
    x as u32
}

/// Whether a pair is inside the indexable area.
pub fn valid(lon: f64, lat: f64) -> bool {
    (LONG_MIN..=LONG_MAX).contains(&lon) && (LAT_MIN..=LAT_MAX).contains(&lat)
}

/// Encodes a pair over the given latitude range with `step` bits per coordinate.
fn encode_range(lon: f64, lat: f64, lat_min: f64, lat_max: f64, step: u32) -> Option<u64> {
    if !valid(lon, lat) || lat < lat_min || lat > lat_max {
        return None;
    }
    let scale = (1u64 << step) as f64;
    let lat_off = (lat - lat_min) / (lat_max - lat_min) * scale;
    let lon_off = (lon - LONG_MIN) / (LONG_MAX - LONG_MIN) * scale;
    // C truncates the double into uint32_t.
    Some(spread(lat_off as u32) | (spread(lon_off as u32) << 1))
}

/// The 52-bit geohash Redis stores as the score.
pub fn encode(lon: f64, lat: f64) -> Option<u64> {
    encode_range(lon, lat, LAT_MIN, LAT_MAX, STEP_MAX)
}

/// The cell a 52-bit hash names: ((lon_min, lon_max), (lat_min, lat_max)).
pub fn cell(bits: u64) -> ((f64, f64), (f64, f64)) {
    let scale = (1u64 << STEP_MAX) as f64;
    let ilat = gather(bits) as f64;
    let ilon = gather(bits >> 1) as f64;
    let lat_span = LAT_MAX - LAT_MIN;
    let lon_span = LONG_MAX - LONG_MIN;
    (
        (
            LONG_MIN + (ilon * 1.0 / scale) * lon_span,
            LONG_MIN + ((ilon + 1.0) * 1.0 / scale) * lon_span,
        ),
        (
            LAT_MIN + (ilat * 1.0 / scale) * lat_span,
            LAT_MIN + ((ilat + 1.0) * 1.0 / scale) * lat_span,
        ),
    )
}

/// The centre of a hash's cell, clamped to the valid area: what GEOPOS answers.
pub fn decode(bits: u64) -> (f64, f64) {
    let ((x0, x1), (y0, y1)) = cell(bits);
    let lon = ((x0 + x1) / 2.0).clamp(LONG_MIN, LONG_MAX);
    let lat = ((y0 + y1) / 2.0).clamp(LAT_MIN, LAT_MAX);
    (lon, lat)
}

/// A score as a geohash (scores of geo sets are whole numbers below 2^52). Any other
/// score is converted as C's `(uint64_t)` compiles on x86-64, so odd scores decode to
/// the same odd places: below 2^63 through `cvttsd2si` (a negative value wraps through
/// a signed 64-bit integer; below -2^63, and -inf, give 2^63), from 2^63 on by
/// subtracting 2^63 first and setting the top bit back, which leaves 0 for 2^64 and
/// beyond, +inf included.
pub fn score_bits(score: f64) -> u64 {
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    if score < TWO63 {
        (score as i64) as u64
    } else if score < 2.0 * TWO63 {
        ((score - TWO63) as i64 as u64) ^ (1 << 63)
    } else {
        0
    }
}

/// The standard 11-character geohash string (latitude range −90..90), as GEOHASH prints
/// it: Redis re-encodes the decoded centre, and the 11th character is always '0'.
pub fn hash_string(score: f64) -> Option<String> {
    let (lon, lat) = decode(score_bits(score));
    let bits = encode_range(lon, lat, -90.0, 90.0, STEP_MAX)?;
    let mut s = String::with_capacity(11);
    for i in 0..11 {
        let idx = if i == 10 {
            0
        } else {
            (bits >> (52 - (i + 1) * 5)) & 0x1f
        };
        s.push(ALPHABET[idx as usize] as char);
    }
    Some(s)
}

/// Great-circle distance in metres (haversine), with Redis's shortcut when the
/// longitudes are the same.
pub fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let v = ((lon2 * D_R - lon1 * D_R) / 2.0).sin();
    if v == 0.0 {
        return EARTH_RADIUS_M * (lat2 * D_R - lat1 * D_R).abs();
    }
    let (lat1r, lat2r) = (lat1 * D_R, lat2 * D_R);
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}

/// A coordinate as Redis prints it: the double widened to long double, `%.17Lf`, zeros
/// trimmed.
pub fn coord_text(v: f64) -> String {
    LongDouble::from_f64(v).to_human()
}

/// A distance as Redis prints it: rounded (half to even) to 4 decimals.
pub fn distance_text(d: f64) -> String {
    if d == 0.0 {
        return "0.0000".into();
    }
    let scaled = (d * 10000.0).round_ties_even() as i64;
    let sign = if scaled < 0 { "-" } else { "" };
    let a = scaled.unsigned_abs();
    format!("{sign}{}.{:04}", a / 10000, a % 10000)
}

/// Metres per unit, for `m`, `km`, `ft`, `mi`.
pub fn unit(a: &[u8]) -> Option<f64> {
    match a.to_ascii_lowercase().as_slice() {
        b"m" => Some(1.0),
        b"km" => Some(1000.0),
        b"ft" => Some(0.3048),
        b"mi" => Some(1609.34),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palermo_as_redis_sees_it() {
        let bits = encode(13.361389, 38.115556).unwrap();
        assert_eq!(bits, 3479099956230698);
        let (lon, lat) = decode(bits);
        assert_eq!(coord_text(lon), "13.36138933897018433");
        assert_eq!(coord_text(lat), "38.11555639549629859");
        assert_eq!(hash_string(bits as f64).unwrap(), "sqc8b49rny0");
        let catania = decode(encode(15.087269, 37.502669).unwrap());
        assert_eq!(
            distance_text(distance(lon, lat, catania.0, catania.1) / 1000.0),
            "166.2742"
        );
        assert!(encode(200.0, 100.0).is_none());
        assert_eq!(gather(spread(0xdead_beef)), 0xdead_beef);
    }
}

/// A geohash of `step` bits per coordinate (1..=26).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    pub bits: u64,
    pub step: u32,
}

impl Cell {
    /// The empty cell Redis uses to mark a neighbour it will not scan.
    pub const ZERO: Cell = Cell { bits: 0, step: 0 };

    /// Moves one cell east (+1) or west (−1): longitude bits are the odd positions.
    fn move_x(mut self, d: i8) -> Cell {
        let x = self.bits & 0xaaaa_aaaa_aaaa_aaaa;
        let y = self.bits & 0x5555_5555_5555_5555;
        let zz = 0x5555_5555_5555_5555u64 >> (64 - self.step * 2);
        let x = if d > 0 {
            x.wrapping_add(zz + 1)
        } else {
            (x | zz).wrapping_sub(zz + 1)
        };
        self.bits = (x & (0xaaaa_aaaa_aaaa_aaaau64 >> (64 - self.step * 2))) | y;
        self
    }

    /// Moves one cell north (+1) or south (−1): latitude bits are the even positions.
    fn move_y(mut self, d: i8) -> Cell {
        let x = self.bits & 0xaaaa_aaaa_aaaa_aaaa;
        let y = self.bits & 0x5555_5555_5555_5555;
        let zz = 0xaaaa_aaaa_aaaa_aaaau64 >> (64 - self.step * 2);
        let y = if d > 0 {
            y.wrapping_add(zz + 1)
        } else {
            (y | zz).wrapping_sub(zz + 1)
        };
        self.bits = x | (y & (0x5555_5555_5555_5555u64 >> (64 - self.step * 2)));
        self
    }

    /// The cell's extent: ((lon_min, lon_max), (lat_min, lat_max)).
    pub fn area(self) -> ((f64, f64), (f64, f64)) {
        let scale = (1u64 << self.step) as f64;
        let ilat = gather(self.bits) as f64;
        let ilon = gather(self.bits >> 1) as f64;
        let (lat_span, lon_span) = (LAT_MAX - LAT_MIN, LONG_MAX - LONG_MIN);
        (
            (
                LONG_MIN + ilon / scale * lon_span,
                LONG_MIN + (ilon + 1.0) / scale * lon_span,
            ),
            (
                LAT_MIN + ilat / scale * lat_span,
                LAT_MIN + (ilat + 1.0) / scale * lat_span,
            ),
        )
    }

    /// The sorted-set scores [min, max) of every point inside the cell.
    pub fn score_range(self) -> (u64, u64) {
        let shift = 52 - self.step * 2;
        (self.bits << shift, (self.bits + 1) << shift)
    }
}

/// What a search covers: a circle of `radius` or a `width` × `height` box around a
/// centre, in units of `to_m` metres.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub lon: f64,
    pub lat: f64,
    pub to_m: f64,
    pub kind: ShapeKind,
}

#[derive(Clone, Copy, Debug)]
pub enum ShapeKind {
    Radius(f64),
    Box(f64, f64),
}

impl Shape {
    /// [min_lon, min_lat, max_lon, max_lat] around the centre (Redis's bounding box).
    pub fn bounds(&self) -> [f64; 4] {
        let (half_h, half_w) = match self.kind {
            ShapeKind::Radius(r) => (r * self.to_m, r * self.to_m),
            ShapeKind::Box(w, h) => (self.to_m * (h / 2.0), self.to_m * (w / 2.0)),
        };
        let lat_delta = (half_h / EARTH_RADIUS_M) / D_R;
        let top = (half_w / EARTH_RADIUS_M / ((self.lat + lat_delta) * D_R).cos()) / D_R;
        let bottom = (half_w / EARTH_RADIUS_M / ((self.lat - lat_delta) * D_R).cos()) / D_R;
        let d = if self.lat < 0.0 { bottom } else { top };
        [
            self.lon - d,
            self.lat - lat_delta,
            self.lon + d,
            self.lat + lat_delta,
        ]
    }

    /// The distance from the centre if `(lon, lat)` lies inside the shape.
    pub fn contains(&self, lon: f64, lat: f64) -> Option<f64> {
        match self.kind {
            ShapeKind::Radius(r) => {
                let d = distance(self.lon, self.lat, lon, lat);
                (d <= r * self.to_m).then_some(d)
            }
            ShapeKind::Box(w, h) => {
                let (w, h) = (w * self.to_m, h * self.to_m);
                if EARTH_RADIUS_M * (self.lat * D_R - lat * D_R).abs() > h / 2.0 {
                    return None;
                }
                if distance(lon, lat, self.lon, lat) > w / 2.0 {
                    return None;
                }
                Some(distance(self.lon, self.lat, lon, lat))
            }
        }
    }
}

/// Half of the Web Mercator world's width in metres: the step estimate's yardstick.
const MERCATOR_MAX: f64 = 20037726.37;

/// Bits per coordinate for the cells of a search of this radius at this latitude.
pub fn estimate_step(mut range_m: f64, lat: f64) -> u32 {
    if range_m == 0.0 {
        return 26;
    }
    let mut step: i32 = 1;
    while range_m < MERCATOR_MAX {
        range_m *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&lat) {
        step -= 1;
        if !(-80.0..=80.0).contains(&lat) {
            step -= 1;
        }
    }
    step.clamp(1, 26) as u32
}

/// The nine cells Redis scans for a search, in its order: the centre's cell, then north,
/// south, east, west, north-east, north-west, south-east, south-west. Neighbours that
/// lie wholly outside the bounding box are `Cell::ZERO` (skipped).
pub fn search_cells(shape: &Shape) -> [Cell; 9] {
    let [min_lon, min_lat, max_lon, max_lat] = shape.bounds();
    let radius_m = match shape.kind {
        ShapeKind::Radius(r) => r,
        ShapeKind::Box(w, h) => ((w / 2.0) * (w / 2.0) + (h / 2.0) * (h / 2.0)).sqrt(),
    } * shape.to_m;
    let mut step = estimate_step(radius_m, shape.lat);
    let at = |step: u32| Cell {
        bits: encode_range(shape.lon, shape.lat, LAT_MIN, LAT_MAX, step).unwrap_or(0),
        step,
    };
    let around = |c: Cell| {
        [
            c.move_y(1),
            c.move_y(-1),
            c.move_x(1),
            c.move_x(-1),
            c.move_x(1).move_y(1),
            c.move_x(-1).move_y(1),
            c.move_x(1).move_y(-1),
            c.move_x(-1).move_y(-1),
        ]
    };
    let mut centre = at(step);
    let mut n = around(centre);
    // Too coarse near the edges of the search area? One step finer.
    let decrease = n[0].area().1 .1 < max_lat
        || n[1].area().1 .0 > min_lat
        || n[2].area().0 .1 < max_lon
        || n[3].area().0 .0 > min_lon;
    if step > 1 && decrease {
        step -= 1;
        centre = at(step);
        n = around(centre);
    }
    if step >= 2 {
        let ((x0, x1), (y0, y1)) = centre.area();
        // Indexes in `n`: 0 N, 1 S, 2 E, 3 W, 4 NE, 5 NW, 6 SE, 7 SW.
        if y0 < min_lat {
            for i in [1, 7, 6] {
                n[i] = Cell::ZERO;
            }
        }
        if y1 > max_lat {
            for i in [0, 4, 5] {
                n[i] = Cell::ZERO;
            }
        }
        if x0 < min_lon {
            for i in [3, 7, 5] {
                n[i] = Cell::ZERO;
            }
        }
        if x1 > max_lon {
            for i in [2, 6, 4] {
                n[i] = Cell::ZERO;
            }
        }
    }
    [centre, n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7]]
}
