//! struct and cmsgpack against redis-server 7.0.15: every case is a probe in
//! tests/diff/lua_probes.txt (section "struct and cmsgpack"), reply for reply.

use super::*;

/// A script, its ARGV, and the reply redis-server gave.
type Case = (&'static [u8], Vec<&'static [u8]>, Reply);

fn cases() -> Vec<Case> {
    vec![
        (
            b"return struct.pack('>I2', 258)",
            vec![],
            Reply::Bulk(b"\x01\x02".to_vec()),
        ),
        (
            b"return struct.pack('<I2', 258)",
            vec![],
            Reply::Bulk(b"\x02\x01".to_vec()),
        ),
        (
            b"return struct.pack('bBhHlLTiI', -1, 255, -2, 65535, -3, 4, 5, -6, 7)",
            vec![],
            Reply::Bulk(b"\xff\xff\xfe\xff\xff\xff\xfd\xff\xff\xff\xff\xff\xff\xff\x04\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\xfa\xff\xff\xff\x07\x00\x00\x00".to_vec()),
        ),
        (
            b"return struct.pack('>bBhHlLTiI', -1, 255, -2, 65535, -3, 4, 5, -6, 7)",
            vec![],
            Reply::Bulk(b"\xff\xff\xff\xfe\xff\xff\xff\xff\xff\xff\xff\xff\xff\xfd\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x05\xff\xff\xff\xfa\x00\x00\x00\x07".to_vec()),
        ),
        (
            b"return struct.pack('<i3I5', -2, 1099511627775)",
            vec![],
            Reply::Bulk(b"\xfe\xff\xff\xff\xff\xff\xff\xff".to_vec()),
        ),
        (
            b"return struct.pack('<i16', -1)",
            vec![],
            Reply::Bulk(b"\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00".to_vec()),
        ),
        (
            b"return struct.pack('>i16', -1)",
            vec![],
            Reply::Bulk(b"\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff".to_vec()),
        ),
        (
            b"return struct.pack('<i0', 5)",
            vec![],
            Reply::Bulk(b"".to_vec()),
        ),
        (
            b"return struct.pack('!4 b i b d', 1, 2, 3, 4)",
            vec![],
            Reply::Bulk(b"\x01\x00\x00\x00\x02\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x10@".to_vec()),
        ),
        (
            b"return struct.pack('!bhbibdbl', 1, 2, 3, 4, 5, 6, 7, 8)",
            vec![],
            Reply::Bulk(b"\x01\x00\x02\x00\x03\x00\x00\x00\x04\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x18@\x07\x00\x00\x00\x00\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00".to_vec()),
        ),
        (
            b"return struct.pack('!2bibd', 1, 2, 3, 4)",
            vec![],
            Reply::Bulk(b"\x01\x00\x02\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x10@".to_vec()),
        ),
        (
            b"return struct.pack('!8 b i3', 1, 2)",
            vec![],
            Reply::Bulk(b"\x01\x00\x00\x02\x00\x00".to_vec()),
        ),
        (
            b"return struct.pack('b x b', 1, 2)",
            vec![],
            Reply::Bulk(b"\x01\x00\x02".to_vec()),
        ),
        (
            b"return struct.pack('<f>f<d>d', 1.5, -2.25, 0.1, 1e300)",
            vec![],
            Reply::Bulk(b"\x00\x00\xc0?\xc0\x10\x00\x00\x9a\x99\x99\x99\x99\x99\xb9?~7\xe4<\x88\x00u\x9c".to_vec()),
        ),
        (
            b"return struct.pack('s c0 c3 c', 'ab', 'cde', 'fghij', 'kl')",
            vec![],
            Reply::Bulk(b"ab\x00cdefghk".to_vec()),
        ),
        (
            b"return struct.pack('>I8', 2^64)",
            vec![],
            Reply::Bulk(b"\x00\x00\x00\x00\x00\x00\x00\x00".to_vec()),
        ),
        (
            b"return struct.pack('>I8', 2^63)",
            vec![],
            Reply::Bulk(b"\x80\x00\x00\x00\x00\x00\x00\x00".to_vec()),
        ),
        (
            b"return struct.pack('>i8', -2^63)",
            vec![],
            Reply::Bulk(b"\x80\x00\x00\x00\x00\x00\x00\x00".to_vec()),
        ),
        (
            b"return struct.pack('>i8', -2^64)",
            vec![],
            Reply::Bulk(b"\x80\x00\x00\x00\x00\x00\x00\x00".to_vec()),
        ),
        (
            b"return struct.pack('>I8', 1e30)",
            vec![],
            Reply::Bulk(b"\x00\x00\x00\x00\x00\x00\x00\x00".to_vec()),
        ),
        (
            b"return struct.pack('>i8', -1e30)",
            vec![],
            Reply::Bulk(b"\x80\x00\x00\x00\x00\x00\x00\x00".to_vec()),
        ),
        (
            b"return struct.pack('>I8', 0/0)",
            vec![],
            Reply::Bulk(b"\x80\x00\x00\x00\x00\x00\x00\x00".to_vec()),
        ),
        (
            b"return struct.pack('>I8', -(0/0))",
            vec![],
            Reply::Bulk(b"\x80\x00\x00\x00\x00\x00\x00\x00".to_vec()),
        ),
        (
            b"return struct.pack('>i4', 1/0)",
            vec![],
            Reply::Bulk(b"\x00\x00\x00\x00".to_vec()),
        ),
        (
            b"return struct.pack('>i4', -1/0)",
            vec![],
            Reply::Bulk(b"\x00\x00\x00\x00".to_vec()),
        ),
        (
            b"return struct.pack('>i2', 2.7)",
            vec![],
            Reply::Bulk(b"\x00\x02".to_vec()),
        ),
        (
            b"return struct.pack('>i2', -2.7)",
            vec![],
            Reply::Bulk(b"\xff\xfe".to_vec()),
        ),
        (
            b"return struct.pack('>I2', '258')",
            vec![],
            Reply::Bulk(b"\x01\x02".to_vec()),
        ),
        (
            b"return struct.pack('>c2', 12)",
            vec![],
            Reply::Bulk(b"12".to_vec()),
        ),
        (
            b"return struct.pack('')",
            vec![],
            Reply::Bulk(b"".to_vec()),
        ),
        (
            b"return struct.pack('y', 1)",
            vec![],
            err("ERR user_script:1: bad argument #1 to 'pack' (invalid format option 'y') script: 2515948c727ec1181d7fd19ed2e75ff81a94c615, on @user_script:1."),
        ),
        (
            b"return struct.pack('4', 1)",
            vec![],
            err("ERR user_script:1: bad argument #1 to 'pack' (invalid format option '4') script: 3f4d2382fc4332d0f104fce3f0841b3761bf1258, on @user_script:1."),
        ),
        (
            b"return struct.pack('>I33', 1)",
            vec![],
            err("ERR user_script:1: integral size 33 is larger than limit of 32 script: e1c81c4f24ca8fcd62777030dcc56fcc17b57abe, on @user_script:1."),
        ),
        (
            b"return struct.pack('i99999999999', 1)",
            vec![],
            err("ERR user_script:1: integral size overflow script: 55da9dc87c031781cab77cd7caa7180a2f334e7e, on @user_script:1."),
        ),
        (
            b"return struct.pack('!3', 1)",
            vec![],
            err("ERR user_script:1: alignment 3 is not a power of 2 script: 015083070625e0c8535172e55b13a94acdf4c3c6, on @user_script:1."),
        ),
        (
            b"return struct.pack('!0', 1)",
            vec![],
            err("ERR user_script:1: alignment 0 is not a power of 2 script: 52329bab0d3daa15cb5ba44cf64178acca17153f, on @user_script:1."),
        ),
        (
            b"return struct.pack('c5', 'ab')",
            vec![],
            err("ERR user_script:1: bad argument #3 to 'pack' (string too short) script: cec53901ab5000b5eccda51f64e59e716bdfd4ba, on @user_script:1."),
        ),
        (
            b"return struct.pack('b c5', 1, 'ab')",
            vec![],
            err("ERR user_script:1: bad argument #4 to 'pack' (string too short) script: 87ec04099c1637b46067dec73d16ec167826eee8, on @user_script:1."),
        ),
        (
            b"return struct.pack('c1000000000', 'ab')",
            vec![],
            err("ERR user_script:1: bad argument #3 to 'pack' (string too short) script: cfc718193cfd2f9fd4c6920c844245c4688157b7, on @user_script:1."),
        ),
        (
            b"return struct.pack('i17', 1)",
            vec![],
            Reply::Bulk(b"\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00".to_vec()),
        ),
        (
            b"return struct.pack('i', 'x')",
            vec![],
            err("ERR user_script:1: bad argument #2 to 'pack' (number expected, got string) script: 72d01f23645269179316b093775c7fa64478554a, on @user_script:1."),
        ),
        (
            b"return struct.pack('i')",
            vec![],
            err("ERR user_script:1: bad argument #2 to 'pack' (number expected, got nil) script: 63b299178a495d059d925846f3a5f58587cb30c9, on @user_script:1."),
        ),
        (
            b"return struct.pack('b c', 1)",
            vec![],
            err("ERR user_script:1: bad argument #3 to 'pack' (string expected, got nil) script: bbb911a8c16f9061fb1f5d197872cc0363452b4a, on @user_script:1."),
        ),
        (
            b"return struct.pack('c', {})",
            vec![],
            err("ERR user_script:1: bad argument #2 to 'pack' (string expected, got table) script: c5a176fd02a4f303d931c0eeda5ad70b3574d083, on @user_script:1."),
        ),
        (
            b"return struct.pack()",
            vec![],
            err("ERR user_script:1: bad argument #1 to 'pack' (string expected, got no value) script: c9b8aed4f0633591e6252db264bf8b86b82828d5, on @user_script:1."),
        ),
        (
            b"return struct.pack({})",
            vec![],
            err("ERR user_script:1: bad argument #1 to 'pack' (string expected, got table) script: 48dc0e53c764beb8b4d41783496584bb97e5f764, on @user_script:1."),
        ),
        (
            b"return struct.pack(12, 1)",
            vec![],
            err("ERR user_script:1: bad argument #1 to 'pack' (invalid format option '1') script: 1e6f677941d2e400128bbd862a35df6cc2b3a05e, on @user_script:1."),
        ),
        (
            b"return struct.pack('<I2\\0>I2', 1, 2)",
            vec![],
            Reply::Bulk(b"\x01\x00".to_vec()),
        ),
        (
            b"local p = struct.pack return p('y')",
            vec![],
            err("ERR user_script:1: bad argument #1 to 'p' (invalid format option 'y') script: 4eefe149a56456cae0c707b0928bbd3cd1e0f408, on @user_script:1."),
        ),
        (
            b"return {struct.unpack('<i4', struct.pack('<i4', -5))}",
            vec![],
            Reply::Array(vec![Reply::Int(-5), Reply::Int(5)]),
        ),
        (
            b"return {struct.unpack('<hB', ARGV[1])}",
            vec![b"ab!"],
            Reply::Array(vec![Reply::Int(25185), Reply::Int(33), Reply::Int(4)]),
        ),
        (
            b"return {struct.unpack('>hB', ARGV[1])}",
            vec![b"ab!"],
            Reply::Array(vec![Reply::Int(24930), Reply::Int(33), Reply::Int(4)]),
        ),
        (
            b"return {struct.unpack('bBhHlLTiI', struct.pack('bBhHlLTiI', -1, 255, -2, 65535, -3, 4, 5, -6, 7))}",
            vec![],
            Reply::Array(vec![Reply::Int(-1), Reply::Int(255), Reply::Int(-2), Reply::Int(65535), Reply::Int(-3), Reply::Int(4), Reply::Int(5), Reply::Int(-6), Reply::Int(7), Reply::Int(39)]),
        ),
        (
            b"return {struct.unpack('>i3 I3', struct.pack('>i3 I3', -2, 16777215))}",
            vec![],
            Reply::Array(vec![Reply::Int(-2), Reply::Int(16777215), Reply::Int(7)]),
        ),
        (
            b"return {struct.unpack('<I8', struct.pack('<I8', 2^63 + 2^11))}",
            vec![],
            Reply::Array(vec![Reply::Int(-9223372036854775808), Reply::Int(9)]),
        ),
        (
            b"return {tostring(struct.unpack('<I8', ARGV[1]))}",
            vec![b"\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"],
            Reply::Array(vec![Reply::Bulk(b"7.3787173777435e+18".to_vec())]),
        ),
        (
            b"return {tostring(struct.unpack('<i8', ARGV[1]))}",
            vec![b"\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"],
            Reply::Array(vec![Reply::Bulk(b"7.3787173777435e+18".to_vec())]),
        ),
        (
            b"return {tostring(struct.unpack('<I16', struct.pack('<I16', 12345)))}",
            vec![],
            Reply::Array(vec![Reply::Bulk(b"12345".to_vec())]),
        ),
        (
            b"return {tostring(struct.unpack('<i16', string.rep('\\255', 16)))}",
            vec![],
            Reply::Array(vec![Reply::Bulk(b"-1".to_vec())]),
        ),
        (
            b"return {tostring(struct.unpack('>i16', string.rep('\\255', 16)))}",
            vec![],
            Reply::Array(vec![Reply::Bulk(b"-1".to_vec())]),
        ),
        (
            b"return {tostring(struct.unpack('>i9', string.rep('\\255', 9)))}",
            vec![],
            Reply::Array(vec![Reply::Bulk(b"-1".to_vec())]),
        ),
        (
            b"return {tostring(struct.unpack('>i9', '\\1' .. string.rep('\\0', 7) .. '\\128'))}",
            vec![],
            Reply::Array(vec![Reply::Bulk(b"-128".to_vec())]),
        ),
        (
            b"return {tostring(struct.unpack('<i9', '\\128' .. string.rep('\\0', 7) .. '\\1'))}",
            vec![],
            Reply::Array(vec![Reply::Bulk(b"-128".to_vec())]),
        ),
        (
            b"return {tostring(struct.unpack('>I9', '\\1' .. string.rep('\\0', 7) .. '\\128'))}",
            vec![],
            Reply::Array(vec![Reply::Bulk(b"128".to_vec())]),
        ),
        (
            b"return {tostring(struct.unpack('>i12', string.rep('\\0', 4) .. string.rep('\\255', 8)))}",
            vec![],
            Reply::Array(vec![Reply::Bulk(b"-1".to_vec())]),
        ),
        (
            b"return {struct.unpack('<i0 b', 'a')}",
            vec![],
            Reply::Array(vec![Reply::Int(0), Reply::Int(97), Reply::Int(2)]),
        ),
        (
            b"return {tostring(struct.unpack('<f', struct.pack('<f', 0.1)))}",
            vec![],
            Reply::Array(vec![Reply::Bulk(b"0.10000000149012".to_vec())]),
        ),
        (
            b"return {struct.unpack('>d>f', struct.pack('>d>f', 1.5, 2.5))}",
            vec![],
            Reply::Array(vec![Reply::Int(1), Reply::Int(2), Reply::Int(13)]),
        ),
        (
            b"return {tostring(struct.unpack('<d', struct.pack('<d', 0.1)))}",
            vec![],
            Reply::Array(vec![Reply::Bulk(b"0.1".to_vec())]),
        ),
        (
            b"return {struct.unpack('s s', 'ab\\0cd\\0')}",
            vec![],
            Reply::Array(vec![Reply::Bulk(b"ab".to_vec()), Reply::Bulk(b"cd".to_vec()), Reply::Int(7)]),
        ),
        (
            b"return {struct.unpack('s', 'abc')}",
            vec![],
            err("ERR user_script:1: unfinished string in data script: 492b42cd22537e0bb82c111843dde3f2c69bafe9, on @user_script:1."),
        ),
        (
            b"return {struct.unpack('B c0', '\\3abcd')}",
            vec![],
            Reply::Array(vec![Reply::Bulk(b"abc".to_vec()), Reply::Int(5)]),
        ),
        (
            b"return {struct.unpack('c1 c0', '3abcd')}",
            vec![],
            Reply::Array(vec![Reply::Bulk(b"abc".to_vec()), Reply::Int(5)]),
        ),
        (
            b"return {struct.unpack('c0', 'abc')}",
            vec![],
            err("ERR user_script:1: format 'c0' needs a previous size script: b3fd8e7c8bb6ee20854fafea5b84014791ec5cf5, on @user_script:1."),
        ),
        (
            b"return {struct.unpack('B c0', '\\9abc')}",
            vec![],
            err("ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: 9ec6d19d57151f77f91628a767954286a97469db, on @user_script:1."),
        ),
        (
            b"return {struct.unpack('c2 c', 'abc')}",
            vec![],
            Reply::Array(vec![Reply::Bulk(b"ab".to_vec()), Reply::Bulk(b"c".to_vec()), Reply::Int(4)]),
        ),
        (
            b"return {struct.unpack('c4', 'abc')}",
            vec![],
            err("ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: 69dd8e901d4e979810f1ce4fc820efa39ed37f12, on @user_script:1."),
        ),
        (
            b"return {struct.unpack('b x b', 'a b')}",
            vec![],
            Reply::Array(vec![Reply::Int(97), Reply::Int(98), Reply::Int(4)]),
        ),
        (
            b"return {struct.unpack('!4 b i', 'a...bcde')}",
            vec![],
            Reply::Array(vec![Reply::Int(97), Reply::Int(1701077858), Reply::Int(9)]),
        ),
        (
            b"return {struct.unpack('!4 b i', 'a...bcd')}",
            vec![],
            err("ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: 342ec4b894c324c9cff37a0d639465a4ffae5b18, on @user_script:1."),
        ),
        (
            b"return {struct.unpack('b', 'abc', 2)}",
            vec![],
            Reply::Array(vec![Reply::Int(98), Reply::Int(3)]),
        ),
        (
            b"return {struct.unpack('b', 'abc', 3)}",
            vec![],
            Reply::Array(vec![Reply::Int(99), Reply::Int(4)]),
        ),
        (
            b"return {struct.unpack('b', 'abc', 4)}",
            vec![],
            err("ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: 497ccd0cb357739ee2c61753c141f871f79d4fab, on @user_script:1."),
        ),
        (
            b"return {struct.unpack('', 'abc', 9)}",
            vec![],
            Reply::Array(vec![Reply::Int(9)]),
        ),
        (
            b"return {struct.unpack('>', 'abc', 9)}",
            vec![],
            err("ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: 2c5c9176748b53b117170884538c29694455d9a7, on @user_script:1."),
        ),
        (
            b"return {struct.unpack('>', 'abc', 4)}",
            vec![],
            Reply::Array(vec![Reply::Int(4)]),
        ),
        (
            b"return {struct.unpack('b', 'abc', 0)}",
            vec![],
            err("ERR user_script:1: bad argument #3 to 'unpack' (offset must be 1 or greater) script: 79de5b09e3b045084f761eb72f7ae8f435666337, on @user_script:1."),
        ),
        (
            b"return {struct.unpack('b', 'abc', -1)}",
            vec![],
            err("ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: a99362aa05fa96318d668c42e37cbc7b78d13a09, on @user_script:1."),
        ),
        (
            b"return {struct.unpack('', 'abc', -5)}",
            vec![],
            Reply::Array(vec![Reply::Int(-5)]),
        ),
        (
            b"return {struct.unpack('b', 'abc', 2.9)}",
            vec![],
            Reply::Array(vec![Reply::Int(98), Reply::Int(3)]),
        ),
        (
            b"return {struct.unpack('b', 'abc', '2')}",
            vec![],
            Reply::Array(vec![Reply::Int(98), Reply::Int(3)]),
        ),
        (
            b"return {struct.unpack('b', 'abc', 'x')}",
            vec![],
            err("ERR user_script:1: bad argument #3 to 'unpack' (number expected, got string) script: 8b4c56e914adc19984ed1b3d14c6b4f46e3c68b5, on @user_script:1."),
        ),
        (
            b"return {struct.unpack('b', 'abc', nil)}",
            vec![],
            Reply::Array(vec![Reply::Int(97), Reply::Int(2)]),
        ),
        (
            b"return {struct.unpack('b')}",
            vec![],
            err("ERR user_script:1: bad argument #2 to 'unpack' (string expected, got no value) script: 6525302830df3d67940cd767f77af1613a3665b4, on @user_script:1."),
        ),
        (
            b"return {struct.unpack()}",
            vec![],
            err("ERR user_script:1: bad argument #1 to 'unpack' (string expected, got no value) script: 268ec9e584f7e1122ed699cbb7fc9856ec0eb21e, on @user_script:1."),
        ),
        (
            b"return {struct.unpack('b', {})}",
            vec![],
            err("ERR user_script:1: bad argument #2 to 'unpack' (string expected, got table) script: 1d804b25ee0babded0f2d18c461a17fc086f57fa, on @user_script:1."),
        ),
        (
            b"return {struct.unpack('b', 65)}",
            vec![],
            Reply::Array(vec![Reply::Int(54), Reply::Int(2)]),
        ),
        (
            b"return {struct.unpack('y', 'abc')}",
            vec![],
            err("ERR user_script:1: bad argument #1 to 'unpack' (invalid format option 'y') script: 5393410efc2b555f16e8d7895baf35cd9425d988, on @user_script:1."),
        ),
        (
            b"return {struct.unpack('i33', 'abc')}",
            vec![],
            err("ERR user_script:1: integral size 33 is larger than limit of 32 script: c9fbacbbfdf19157e06cc8a7045960821fd4bc3d, on @user_script:1."),
        ),
        (
            b"return {struct.unpack('!5', 'abc')}",
            vec![],
            err("ERR user_script:1: alignment 5 is not a power of 2 script: 4d1a4aade45bf9077977d787e6aaac4d88510975, on @user_script:1."),
        ),
        (
            b"return {struct.unpack('c1000000000', 'abc')}",
            vec![],
            err("ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: d5561ffb0590bdb23457f2a4ede13dd53cfcc020, on @user_script:1."),
        ),
        (
            b"return {struct.unpack('i4', 'abc')}",
            vec![],
            err("ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: 3f5864e9c9e70132d760e4a02d467c2fe70f4573, on @user_script:1."),
        ),
        (
            b"return select('#', struct.unpack(string.rep('B', 7997), string.rep('x', 7997)))",
            vec![],
            Reply::Int(7998),
        ),
        (
            b"return select('#', struct.unpack(string.rep('B', 7998), string.rep('x', 7998)))",
            vec![],
            err("ERR user_script:1: stack overflow (too many results) script: 89bfe5cbac4af5ee2d84b415b25299f462b82cc9, on @user_script:1."),
        ),
        (
            b"return select('#', struct.unpack(string.rep('B', 7996), string.rep('x', 7996), 1))",
            vec![],
            Reply::Int(7997),
        ),
        (
            b"return select('#', struct.unpack(string.rep('B', 7997), string.rep('x', 7997), 1))",
            vec![],
            err("ERR user_script:1: stack overflow (too many results) script: 206ed41380c2e600eedf8b78df2c99906349c32b, on @user_script:1."),
        ),
        (
            b"return struct.size('>iH')",
            vec![],
            Reply::Int(6),
        ),
        (
            b"return struct.size('bBhHlLTiIfdx')",
            vec![],
            Reply::Int(51),
        ),
        (
            b"return struct.size('!bhbibdbl')",
            vec![],
            Reply::Int(40),
        ),
        (
            b"return struct.size('!4 b d')",
            vec![],
            Reply::Int(12),
        ),
        (
            b"return struct.size('c10 i7 c')",
            vec![],
            Reply::Int(18),
        ),
        (
            b"return struct.size('y4z')",
            vec![],
            Reply::Int(0),
        ),
        (
            b"return struct.size('b s')",
            vec![],
            err("ERR user_script:1: bad argument #1 to 'size' (option 's' has no fixed size) script: 0805b43ca789593fe0f45a9a0a0a57b23da004ff, on @user_script:1."),
        ),
        (
            b"return struct.size('c0')",
            vec![],
            err("ERR user_script:1: bad argument #1 to 'size' (option 'c0' has no fixed size) script: 18f217e7d560de92703dc71e9797e043b536e0e6, on @user_script:1."),
        ),
        (
            b"return struct.size('!3')",
            vec![],
            err("ERR user_script:1: alignment 3 is not a power of 2 script: e85d1ac33cd35488c9a4f9b4f97cb56bbfae9248, on @user_script:1."),
        ),
        (
            b"return struct.size('?')",
            vec![],
            err("ERR user_script:1: bad argument #1 to 'size' (invalid format option '?') script: 7bbb71570e714600c71d9cc568bccd7730051b1f, on @user_script:1."),
        ),
        (
            b"return struct.size('i40')",
            vec![],
            err("ERR user_script:1: integral size 40 is larger than limit of 32 script: 3e540f3a08223d82bf92ec251944ff434d9bae0b, on @user_script:1."),
        ),
        (
            b"return struct.size('c2147483647c2147483647')",
            vec![],
            Reply::Int(4294967294),
        ),
        (
            b"return struct.size('c2147483648')",
            vec![],
            err("ERR user_script:1: integral size overflow script: 292a304409e9de38cfc7b4873d7ee2977fbb25fe, on @user_script:1."),
        ),
        (
            b"return struct.size()",
            vec![],
            err("ERR user_script:1: bad argument #1 to 'size' (string expected, got no value) script: 4c30ee4bce24a141420f334922489017312786e7, on @user_script:1."),
        ),
        (
            b"return struct.size(5)",
            vec![],
            Reply::Int(0),
        ),
        (
            b"return {struct._NAME, struct._VERSION, type(struct.pack)}",
            vec![],
            Reply::Array(vec![]),
        ),
        (
            b"local t = {} for k in pairs(struct) do t[#t+1] = k end table.sort(t) return t",
            vec![],
            Reply::Array(vec![Reply::Bulk(b"pack".to_vec()), Reply::Bulk(b"size".to_vec()), Reply::Bulk(b"unpack".to_vec())]),
        ),
        (
            b"struct.pack = nil",
            vec![],
            err("ERR user_script:1: Attempt to modify a readonly table script: 9bdaa291383c17ba0baeb5a45005e3962367fc01, on @user_script:1."),
        ),
        (
            b"return cmsgpack.pack({1,2,{a=1}})",
            vec![],
            Reply::Bulk(b"\x93\x01\x02\x81\xa1a\x01".to_vec()),
        ),
        (
            b"return cmsgpack.pack(0, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, 2^53)",
            vec![],
            Reply::Bulk(b"\x00\x7f\xcc\x80\xcc\xff\xcd\x01\x00\xcd\xff\xff\xce\x00\x01\x00\x00\xce\xff\xff\xff\xff\xcf\x00\x00\x00\x01\x00\x00\x00\x00\xcf\x00 \x00\x00\x00\x00\x00\x00".to_vec()),
        ),
        (
            b"return cmsgpack.pack(-1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649, -2^63)",
            vec![],
            Reply::Bulk(b"\xff\xe0\xd0\xdf\xd0\x80\xd1\xff\x7f\xd1\x80\x00\xd2\xff\xff\x7f\xff\xd2\x80\x00\x00\x00\xd3\xff\xff\xff\xff\x7f\xff\xff\xff\xd3\x80\x00\x00\x00\x00\x00\x00\x00".to_vec()),
        ),
        (
            b"return cmsgpack.pack(0/0)",
            vec![],
            Reply::Bulk(b"\xcb\xff\xf8\x00\x00\x00\x00\x00\x00".to_vec()),
        ),
        (
            b"return cmsgpack.pack(true, false, nil, 'abc', '')",
            vec![],
            Reply::Bulk(b"\xc3\xc2\xc0\xa3abc\xa0".to_vec()),
        ),
        (
            b"return cmsgpack.pack(string.rep('x', 31)) == '\\191' .. string.rep('x', 31)",
            vec![],
            Reply::Int(1),
        ),
        (
            b"return string.sub(cmsgpack.pack(string.rep('x', 32)), 1, 3)",
            vec![],
            Reply::Bulk(b"\xd9 x".to_vec()),
        ),
        (
            b"return string.sub(cmsgpack.pack(string.rep('x', 255)), 1, 3)",
            vec![],
            Reply::Bulk(b"\xd9\xffx".to_vec()),
        ),
        (
            b"return string.sub(cmsgpack.pack(string.rep('x', 256)), 1, 4)",
            vec![],
            Reply::Bulk(b"\xda\x01\x00x".to_vec()),
        ),
        (
            b"return string.sub(cmsgpack.pack(string.rep('x', 65535)), 1, 4)",
            vec![],
            Reply::Bulk(b"\xda\xff\xffx".to_vec()),
        ),
        (
            b"return string.sub(cmsgpack.pack(string.rep('x', 65536)), 1, 6)",
            vec![],
            Reply::Bulk(b"\xdb\x00\x01\x00\x00x".to_vec()),
        ),
        (
            b"return cmsgpack.pack({})",
            vec![],
            Reply::Bulk(b"\x90".to_vec()),
        ),
        (
            b"return cmsgpack.pack({[1]=1, [3]=3})",
            vec![],
            Reply::Bulk(b"\x82\x01\x01\x03\x03".to_vec()),
        ),
        (
            b"return cmsgpack.pack({[2]=2})",
            vec![],
            Reply::Bulk(b"\x81\x02\x02".to_vec()),
        ),
        (
            b"return cmsgpack.pack({[1.5]=1})",
            vec![],
            Reply::Bulk(b"\x81\xca?\xc0\x00\x00\x01".to_vec()),
        ),
        (
            b"return cmsgpack.pack({[0]=1})",
            vec![],
            Reply::Bulk(b"\x81\x00\x01".to_vec()),
        ),
        (
            b"return cmsgpack.pack({[-1]=1})",
            vec![],
            Reply::Bulk(b"\x81\xff\x01".to_vec()),
        ),
        (
            b"return cmsgpack.pack({[2^31]=1})",
            vec![],
            Reply::Bulk(b"\x81\xce\x80\x00\x00\x00\x01".to_vec()),
        ),
        (
            b"return cmsgpack.pack({[true]=1})",
            vec![],
            Reply::Bulk(b"\x81\xc3\x01".to_vec()),
        ),
        (
            b"return cmsgpack.pack({1, 2, nil, 4})",
            vec![],
            Reply::Bulk(b"\x83\x01\x01\x02\x02\x04\x04".to_vec()),
        ),
        (
            b"return cmsgpack.pack({1, 2, x = 3})",
            vec![],
            Reply::Bulk(b"\x83\x01\x01\x02\x02\xa1x\x03".to_vec()),
        ),
        (
            b"return string.sub(cmsgpack.pack({1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16}), 1, 4)",
            vec![],
            Reply::Bulk(b"\xdc\x00\x10\x01".to_vec()),
        ),
        (
            b"local t = {} for i = 1, 65536 do t[i] = 0 end return string.sub(cmsgpack.pack(t), 1, 6)",
            vec![],
            Reply::Bulk(b"\xdd\x00\x01\x00\x00\x00".to_vec()),
        ),
        (
            b"local t = {} for i = 1, 16 do t['k' .. i] = 0 end return string.sub(cmsgpack.pack(t), 1, 3)",
            vec![],
            Reply::Bulk(b"\xde\x00\x10".to_vec()),
        ),
        (
            b"return cmsgpack.pack(function() end, cjson.null, coroutine.create(function() end))",
            vec![],
            Reply::Bulk(b"\xc0\xc0\xc0".to_vec()),
        ),
        (
            b"return cmsgpack.pack({{{{{{{{{{{{{{{{{{{1}}}}}}}}}}}}}}}}}}})",
            vec![],
            Reply::Bulk(b"\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\xc0".to_vec()),
        ),
        (
            b"return cmsgpack.pack({{{{{{{{{{{{{{{{1}}}}}}}}}}}}}}}})",
            vec![],
            Reply::Bulk(b"\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x01".to_vec()),
        ),
        (
            b"return cmsgpack.pack({{{{{{{{{{{{{{{1}}}}}}}}}}}}}}})",
            vec![],
            Reply::Bulk(b"\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x01".to_vec()),
        ),
        (
            b"local t = {} t[1] = t return cmsgpack.pack(t)",
            vec![],
            Reply::Bulk(b"\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\xc0".to_vec()),
        ),
        (
            b"local t = {} t.a = t return cmsgpack.pack(t)",
            vec![],
            Reply::Bulk(b"\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\xc0".to_vec()),
        ),
        (
            b"local t = {} t[t] = 1 return cmsgpack.pack(t)",
            vec![],
            Reply::Bulk(b"\x81\x81\x81\x81\x81\x81\x81\x81\x81\x81\x81\x81\x81\x81\x81\x81\xc0\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01".to_vec()),
        ),
        (
            b"return cmsgpack.pack()",
            vec![],
            err("ERR user_script:1: bad argument #0 to 'pack' (MessagePack pack needs input.) script: 6bc235afa55de88253e203cc5fe5844792e25209, on @user_script:1."),
        ),
        (
            b"return cmsgpack.pack(nil)",
            vec![],
            Reply::Bulk(b"\xc0".to_vec()),
        ),
        (
            b"local t = {} for i = 1, 4000 do t[i] = i end return #cmsgpack.pack(unpack(t))",
            vec![],
            Reply::Int(11618),
        ),
        (
            b"local t = {} for i = 1, 4001 do t[i] = i end return #cmsgpack.pack(unpack(t))",
            vec![],
            err("ERR user_script:1: bad argument #0 to 'pack' (Too many arguments for MessagePack pack.) script: 1cb296feb2f83b6c1ffb50b152ae5830255f640e, on @user_script:1."),
        ),
        (
            b"local t = {} for i = 1, 3999 do t[i] = i end t[4000] = {a=1} return #cmsgpack.pack(unpack(t))",
            vec![],
            err("ERR user_script:1: stack overflow (in function table_is_an_array) script: 7046856b39e03b4d2ec767007739d40f5481902c, on @user_script:1."),
        ),
        (
            b"local t = {} for i = 1, 3999 do t[i] = i end t[4000] = {1} return #cmsgpack.pack(unpack(t))",
            vec![],
            err("ERR user_script:1: stack overflow (in function table_is_an_array) script: 290a4feeeb720633c78a21297e94f3cc9c8c5899, on @user_script:1."),
        ),
        (
            b"local t = {} for i = 1, 3999 do t[i] = i end t[4000] = {} return #cmsgpack.pack(unpack(t))",
            vec![],
            err("ERR user_script:1: stack overflow (in function table_is_an_array) script: f3679b7bbc6cb38ce5d8aa449d384d4ce8b2717a, on @user_script:1."),
        ),
        (
            b"return cmsgpack.unpack(cmsgpack.pack(1.5, 'x', {1,2}))",
            vec![],
            Reply::Int(1),
        ),
        (
            b"return {cmsgpack.unpack(cmsgpack.pack(1.5, 'x', {1,2}))}",
            vec![],
            Reply::Array(vec![Reply::Int(1), Reply::Bulk(b"x".to_vec()), Reply::Array(vec![Reply::Int(1), Reply::Int(2)])]),
        ),
        (
            b"return {cmsgpack.unpack(cmsgpack.pack(1, 'a', {b=2}))}",
            vec![],
            Reply::Array(vec![Reply::Int(1), Reply::Bulk(b"a".to_vec()), Reply::Array(vec![])]),
        ),
        (
            b"local t = cmsgpack.unpack(cmsgpack.pack({a=1, b={1,2}})) return {t.a, t.b[2]}",
            vec![],
            Reply::Array(vec![Reply::Int(1), Reply::Int(2)]),
        ),
        (
            b"return {cmsgpack.unpack(ARGV[1])}",
            vec![b""],
            Reply::Array(vec![]),
        ),
        (
            b"return cmsgpack.unpack()",
            vec![],
            err("ERR user_script:1: bad argument #1 to 'unpack' (string expected, got no value) script: 78103c0f3f46e5897cb5d2fad8dfb28bd38e0eeb, on @user_script:1."),
        ),
        (
            b"return cmsgpack.unpack({})",
            vec![],
            err("ERR user_script:1: bad argument #1 to 'unpack' (string expected, got table) script: 1bf8d78c3e2298775df6934cb05254905d2c8ddc, on @user_script:1."),
        ),
        (
            b"return cmsgpack.unpack(5)",
            vec![],
            Reply::Int(53),
        ),
        (
            b"return cmsgpack.unpack('\\145')",
            vec![],
            err("ERR user_script:1: Missing bytes in input. script: e5a6d131d7141fcb79a9f44b543166f94c2e8503, on @user_script:1."),
        ),
        (
            b"return cmsgpack.unpack('\\205\\1')",
            vec![],
            err("ERR user_script:1: Missing bytes in input. script: 4679240a23ff9735759d614fd4b677cab6fb1b9a, on @user_script:1."),
        ),
        (
            b"return cmsgpack.unpack('\\193')",
            vec![],
            err("ERR user_script:1: Bad data format in input. script: dc135bd7bc2955014f03280e151acf74360378e7, on @user_script:1."),
        ),
        (
            b"return cmsgpack.unpack('\\196\\1a')",
            vec![],
            err("ERR user_script:1: Bad data format in input. script: 6f8b916f0f73238529184461236248e68f5e450b, on @user_script:1."),
        ),
        (
            b"return cmsgpack.unpack('\\1\\193')",
            vec![],
            err("ERR user_script:1: Bad data format in input. script: d0e15702d6c57e79fc935730fd4da40ee25d80cf, on @user_script:1."),
        ),
        (
            b"return cmsgpack.unpack('\\163ab')",
            vec![],
            err("ERR user_script:1: Missing bytes in input. script: eba9195c4423ad71dc19b03daf3e9e33df54a391, on @user_script:1."),
        ),
        (
            b"return cmsgpack.unpack('\\219\\0\\0\\0\\9ab')",
            vec![],
            err("ERR user_script:1: Missing bytes in input. script: 981d74290655a482e813d96a70a9a2ffb6b1bf1d, on @user_script:1."),
        ),
        (
            b"return cmsgpack.unpack('\\221\\255\\255\\255\\255')",
            vec![],
            err("ERR user_script:1: Missing bytes in input. script: d927de6b02ace026366ff615f6b86eded580403b, on @user_script:1."),
        ),
        (
            b"return cmsgpack.unpack('\\129\\192\\1')",
            vec![],
            err("ERR table index is nil script: fc5ecea28c7c4519bafde8e9710d8f45499f865b, on @user_script:1."),
        ),
        (
            b"return cmsgpack.unpack('\\129\\1\\192')",
            vec![],
            Reply::Array(vec![]),
        ),
        (
            b"return cmsgpack.unpack('\\129\\203\\255\\248\\0\\0\\0\\0\\0\\0\\1')",
            vec![],
            err("ERR table index is NaN script: ef60e9999c7a14821e96d6d28622096c2f172bb3, on @user_script:1."),
        ),
        (
            b"local t = cmsgpack.unpack('\\130\\1\\2\\1\\3') return t[1]",
            vec![],
            Reply::Int(3),
        ),
        (
            b"return {cmsgpack.unpack('\\204\\255\\205\\1\\0\\206\\255\\255\\255\\255\\207\\0\\0\\0\\1\\0\\0\\0\\0')}",
            vec![],
            Reply::Array(vec![Reply::Int(255), Reply::Int(256), Reply::Int(4294967295), Reply::Int(4294967296)]),
        ),
        (
            b"return {tostring(cmsgpack.unpack('\\207\\255\\255\\255\\255\\255\\255\\255\\255')), tostring(cmsgpack.unpack('\\207\\128\\0\\0\\0\\0\\0\\0\\0'))}",
            vec![],
            Reply::Array(vec![Reply::Bulk(b"-1".to_vec()), Reply::Bulk(b"-9.2233720368548e+18".to_vec())]),
        ),
        (
            b"return {cmsgpack.unpack('\\208\\128\\209\\128\\0\\210\\128\\0\\0\\0\\211\\255\\255\\255\\255\\255\\255\\255\\254\\224\\255')}",
            vec![],
            Reply::Array(vec![Reply::Int(-128), Reply::Int(-32768), Reply::Int(-2147483648), Reply::Int(-2), Reply::Int(-32), Reply::Int(-1)]),
        ),
        (
            b"return {tostring(cmsgpack.unpack('\\211\\128\\0\\0\\0\\0\\0\\0\\0'))}",
            vec![],
            Reply::Array(vec![Reply::Bulk(b"-9.2233720368548e+18".to_vec())]),
        ),
        (
            b"return {tostring(cmsgpack.unpack('\\202\\61\\204\\204\\205')), tostring(cmsgpack.unpack('\\203\\63\\185\\153\\153\\153\\153\\153\\154'))}",
            vec![],
            Reply::Array(vec![Reply::Bulk(b"0.10000000149012".to_vec()), Reply::Bulk(b"0.1".to_vec())]),
        ),
        (
            b"return {cmsgpack.unpack('\\192\\195\\194')}",
            vec![],
            Reply::Array(vec![]),
        ),
        (
            b"return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))}",
            vec![],
            Reply::Array(vec![Reply::Int(1), Reply::Int(1)]),
        ),
        (
            b"return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 1)}",
            vec![],
            Reply::Array(vec![Reply::Int(2), Reply::Int(2)]),
        ),
        (
            b"return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 2)}",
            vec![],
            Reply::Array(vec![Reply::Int(-1), Reply::Int(3)]),
        ),
        (
            b"return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 3)}",
            vec![],
            Reply::Array(vec![Reply::Int(-1)]),
        ),
        (
            b"return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 4)}",
            vec![],
            err("ERR user_script:1: Start offset 4 greater than input length 3. script: c92572de65b5721e841985fe04fe4533fbd1128b, on @user_script:1."),
        ),
        (
            b"return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), -1)}",
            vec![],
            err("ERR user_script:1: Invalid request to unpack with offset of -1 and limit of 3. script: 398f5685f42265663cd9ddea38fff37513dfbdeb, on @user_script:1."),
        ),
        (
            b"return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 1.7)}",
            vec![],
            Reply::Array(vec![Reply::Int(2), Reply::Int(2)]),
        ),
        (
            b"return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 'x')}",
            vec![],
            err("ERR user_script:1: bad argument #2 to 'unpack_one' (number expected, got string) script: 4649f49777234dcfa43862bec4daac55b7b8daea, on @user_script:1."),
        ),
        (
            b"return {cmsgpack.unpack_one('')}",
            vec![],
            Reply::Array(vec![Reply::Int(-1)]),
        ),
        (
            b"return {cmsgpack.unpack_one()}",
            vec![],
            err("ERR user_script:1: bad argument #1 to 'unpack_one' (string expected, got no value) script: d150534e8ca91f9b54123563cfae8624dd707de1, on @user_script:1."),
        ),
        (
            b"return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}",
            vec![],
            Reply::Array(vec![Reply::Int(2), Reply::Int(1), Reply::Int(2)]),
        ),
        (
            b"return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2, 2)}",
            vec![],
            Reply::Array(vec![Reply::Int(-1), Reply::Int(3)]),
        ),
        (
            b"return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 5)}",
            vec![],
            Reply::Array(vec![Reply::Int(-1), Reply::Int(1), Reply::Int(2), Reply::Int(3)]),
        ),
        (
            b"return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0)}",
            vec![],
            Reply::Array(vec![Reply::Int(1), Reply::Int(2), Reply::Int(3)]),
        ),
        (
            b"return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0, 0)}",
            vec![],
            Reply::Array(vec![Reply::Int(1), Reply::Int(2), Reply::Int(3)]),
        ),
        (
            b"return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0, 1)}",
            vec![],
            Reply::Array(vec![Reply::Int(1)]),
        ),
        (
            b"return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), -1)}",
            vec![],
            err("ERR user_script:1: Invalid request to unpack with offset of 0 and limit of 3. script: 904ef98de3d07bdcce4edb4999a9cba196b865d9, on @user_script:1."),
        ),
        (
            b"return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 1, -3)}",
            vec![],
            err("ERR user_script:1: Invalid request to unpack with offset of -3 and limit of 3. script: 7292cb70d1b53149d7bdb4e81ed9e8a5cea2d712, on @user_script:1."),
        ),
        (
            b"return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 1, 9)}",
            vec![],
            err("ERR user_script:1: Start offset 9 greater than input length 3. script: 33a051a61d3d13799118bb235444b8ff0d6ce09e, on @user_script:1."),
        ),
        (
            b"return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 1, 2^32 + 9)}",
            vec![],
            err("ERR user_script:1: Start offset 9 greater than input length 3. script: e6a6a5a2db64c98b9481f69e8d30f2037eb97f69, on @user_script:1."),
        ),
        (
            b"return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3))}",
            vec![],
            err("ERR user_script:1: bad argument #2 to 'unpack_limit' (number expected, got no value) script: 9fb580b81f364c5bfe8eeaa027c7621293fff949, on @user_script:1."),
        ),
        (
            b"return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 'x')}",
            vec![],
            err("ERR user_script:1: bad argument #2 to 'unpack_limit' (number expected, got string) script: 26f029c64607c910b6c5ef2c1d3e934792553694, on @user_script:1."),
        ),
        (
            b"return {cmsgpack.unpack_limit('\\145', 1)}",
            vec![],
            err("ERR user_script:1: Missing bytes in input. script: 4198f44d39affce6a1c1aa02a623552c834cf9d2, on @user_script:1."),
        ),
        (
            b"return {cmsgpack.unpack(cmsgpack.pack(1, 2), 5, 6)}",
            vec![],
            Reply::Array(vec![Reply::Int(1), Reply::Int(2)]),
        ),
        (
            b"return select('#', cmsgpack.unpack(string.rep('\\1', 7999)))",
            vec![],
            Reply::Int(7999),
        ),
        (
            b"return select('#', cmsgpack.unpack(string.rep('\\1', 8000)))",
            vec![],
            err("ERR user_script:1: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.) script: fe4db4b1d4612e7b08c9cb25cb8cf88492a06c85, on @user_script:1."),
        ),
        (
            b"return select('#', cmsgpack.unpack(string.rep('\\1', 7998), 1))",
            vec![],
            Reply::Int(7998),
        ),
        (
            b"return select('#', cmsgpack.unpack(string.rep('\\1', 7999), 1))",
            vec![],
            err("ERR user_script:1: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.) script: 91f8c08d10b64edf97aa145af32857d2db1e08bb, on @user_script:1."),
        ),
        (
            b"return select('#', cmsgpack.unpack_limit(string.rep('\\1', 8000), 7998))",
            vec![],
            Reply::Int(7999),
        ),
        (
            b"return select('#', cmsgpack.unpack_limit(string.rep('\\1', 8000), 7999))",
            vec![],
            err("ERR user_script:1: stack overflow (in function mp_unpack_full) script: e62cd7f5927c919ccd276977087c8c5fc39bfe21, on @user_script:1."),
        ),
        (
            b"return type(cmsgpack.unpack(string.rep('\\145', 3998) .. '\\1'))",
            vec![],
            Reply::Bulk(b"table".to_vec()),
        ),
        (
            b"return type(cmsgpack.unpack(string.rep('\\145', 3999) .. '\\1'))",
            vec![],
            Reply::Bulk(b"table".to_vec()),
        ),
        (
            b"return type(cmsgpack.unpack(string.rep('\\145', 4000) .. '\\1'))",
            vec![],
            err("ERR user_script:1: stack overflow (in function mp_decode_to_lua_array) script: 56261ac53bb4f9556f247ae1e99d8b41936e7898, on @user_script:1."),
        ),
        (
            b"return type(cmsgpack.unpack(string.rep('\\129\\1', 3998) .. '\\1'))",
            vec![],
            Reply::Bulk(b"table".to_vec()),
        ),
        (
            b"return type(cmsgpack.unpack(string.rep('\\129\\1', 3999) .. '\\1'))",
            vec![],
            Reply::Bulk(b"table".to_vec()),
        ),
        (
            b"return type(cmsgpack.unpack(string.rep('\\129\\1', 4000) .. '\\1'))",
            vec![],
            err("ERR user_script:1: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.) script: c20214f5a026a641c3f4732d132c52dfefdccdb7, on @user_script:1."),
        ),
        (
            b"return type(cmsgpack.unpack(string.rep('\\145', 100000)))",
            vec![],
            err("ERR user_script:1: stack overflow (in function mp_decode_to_lua_array) script: ec7b3acab4eff51f3602af542f258b5152dadc6d, on @user_script:1."),
        ),
        (
            b"return {cmsgpack._NAME, cmsgpack._VERSION, cmsgpack._COPYRIGHT, cmsgpack._DESCRIPTION}",
            vec![],
            Reply::Array(vec![Reply::Bulk(b"cmsgpack".to_vec()), Reply::Bulk(b"lua-cmsgpack 0.4.0".to_vec()), Reply::Bulk(b"Copyright (C) 2012, Salvatore Sanfilippo".to_vec()), Reply::Bulk(b"MessagePack C implementation for Lua".to_vec())]),
        ),
        (
            b"local t = {} for k in pairs(cmsgpack) do t[#t+1] = k end table.sort(t) return t",
            vec![],
            Reply::Array(vec![Reply::Bulk(b"_COPYRIGHT".to_vec()), Reply::Bulk(b"_DESCRIPTION".to_vec()), Reply::Bulk(b"_NAME".to_vec()), Reply::Bulk(b"_VERSION".to_vec()), Reply::Bulk(b"pack".to_vec()), Reply::Bulk(b"unpack".to_vec()), Reply::Bulk(b"unpack_limit".to_vec()), Reply::Bulk(b"unpack_one".to_vec())]),
        ),
        (
            b"cmsgpack.pack = nil",
            vec![],
            err("ERR user_script:1: Attempt to modify a readonly table script: 5042404704fad295e580fc47e5d8ea1e0f53184c, on @user_script:1."),
        ),
        (
            b"return type(cmsgpack_safe)",
            vec![],
            err("ERR user_script:1: Script attempted to access nonexistent global variable 'cmsgpack_safe' script: 36826a483503e682a0244b5344d29e5bf0ac915b, on @user_script:1."),
        ),
        (
            b"return {pcall(struct.pack, 'y')}",
            vec![],
            Reply::Array(vec![Reply::Nil, Reply::Bulk(b"bad argument #1 to '?' (invalid format option 'y')".to_vec())]),
        ),
        (
            b"return struct:pack('y')",
            vec![],
            err("ERR user_script:1: calling 'pack' on bad self (string expected, got table) script: 506b23e59e9cf4471b3e4cd38b67a3b1deb75b0b, on @user_script:1."),
        ),
        (
            b"return struct.pack('i', 1, 2, 3)",
            vec![],
            Reply::Bulk(b"\x01\x00\x00\x00".to_vec()),
        ),
        (
            b"return struct.pack('iii', 1)",
            vec![],
            err("ERR user_script:1: bad argument #3 to 'pack' (number expected, got nil) script: 858c6ad3f9709fbfa1aa6ab6d48e59bf68ba7167, on @user_script:1."),
        ),
        (
            b"return cmsgpack:unpack()",
            vec![],
            err("ERR user_script:1: calling 'unpack' on bad self (string expected, got table) script: 1a5a0b935a5786df6c8c6a419c9439045e4df3bc, on @user_script:1."),
        ),
        (
            b"return cmsgpack.pack(-0.0)",
            vec![],
            Reply::Bulk(b"\x00".to_vec()),
        ),
        (
            b"return cmsgpack.pack(1/0, -1/0)",
            vec![],
            Reply::Bulk(b"\xca\x7f\x80\x00\x00\xca\xff\x80\x00\x00".to_vec()),
        ),
        (
            b"return {pcall(cmsgpack.unpack, '\\193')}",
            vec![],
            Reply::Array(vec![Reply::Nil, Reply::Bulk(b"Bad data format in input.".to_vec())]),
        ),
        (
            b"local t = {} for i = 1, 20 do t = {t, t} end return #cmsgpack.pack(t)",
            vec![],
            Reply::Int(131071),
        ),
        (
            b"return cmsgpack.pack({x = 1, [1] = 2})",
            vec![],
            Reply::Bulk(b"\x82\x01\x02\xa1x\x01".to_vec()),
        ),
        (
            b"return {struct.unpack('i17', string.rep('x', 17))}",
            vec![],
            Reply::Array(vec![Reply::Int(-8), Reply::Int(18)]),
        ),
        (
            b"return {struct.unpack('<i17', string.rep('x', 16) .. '\\255')}",
            vec![],
            Reply::Array(vec![Reply::Int(-8), Reply::Int(18)]),
        ),
        (
            b"return cmsgpack.unpack_limit('\\1\\2', 1e300)",
            vec![],
            err("ERR user_script:1: Invalid request to unpack with offset of 0 and limit of 2. script: 76adc2339c9472b11a82eaa312839c62bb82aa43, on @user_script:1."),
        ),
        (
            b"return cmsgpack.unpack_limit('\\1\\2', 0/0)",
            vec![],
            err("ERR user_script:1: Invalid request to unpack with offset of 0 and limit of 2. script: eaa31e7820cc1005a912f1ce93f40487c7dd0ded, on @user_script:1."),
        ),
        (
            b"return cmsgpack.unpack_one('\\1\\2', 1e300)",
            vec![],
            err("ERR user_script:1: Invalid request to unpack with offset of 0 and limit of 2. script: fd0fdd201e3af7ba46a6d8ccf21a7c81df89c718, on @user_script:1."),
        ),
        (
            b"return struct.unpack('b', 'x', 1e300)",
            vec![],
            err("ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: dc9d02039314e10b7b3959d064828272a901dacb, on @user_script:1."),
        ),
        (
            b"return struct.unpack('B c0', '\\255' .. string.rep('x', 10))",
            vec![],
            err("ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: e33637f94b1cc8d9da82cfa551ae70b4a88583f6, on @user_script:1."),
        ),
        (
            b"return {struct.unpack('d c0', struct.pack('d', 2.9) .. 'abc')}",
            vec![],
            Reply::Array(vec![Reply::Bulk(b"ab".to_vec()), Reply::Int(11)]),
        ),
        (
            b"return {struct.unpack('d c0', struct.pack('d', -1) .. 'abc')}",
            vec![],
            err("ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: 5d0f3b5164a9e612b362ff5659f16cbb9b8417e2, on @user_script:1."),
        ),
        (
            b"return cmsgpack.pack({1, 2, {}, {[1] = {}, [2] = 'x'}})",
            vec![],
            Reply::Bulk(b"\x94\x01\x02\x90\x92\x90\xa1x".to_vec()),
        ),
        (
            b"local t = {1} return cmsgpack.pack({t, t, {t, t}})",
            vec![],
            Reply::Bulk(b"\x93\x91\x01\x91\x01\x92\x91\x01\x91\x01".to_vec()),
        ),
        (
            b"local t = {} for i = 1, 100 do t[i] = true end for i = 1, 2 do local u = {} for j = 1, 100 do u[j] = t end t = u end return #cmsgpack.pack(t)",
            vec![],
            Reply::Int(1030303),
        ),
    ]
}

#[test]
fn struct_and_cmsgpack_match_redis() {
    // Deep cmsgpack documents are decoded without recursion, but give the test the
    // stack the other hostile-input tests use.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(|| {
            let mut t = T::new();
            for (body, argv, want) in cases() {
                let sha = match t.s.load(body) {
                    Ok(sha) => sha,
                    Err(e) => panic!("{}: {e:?}", String::from_utf8_lossy(body)),
                };
                let argv: Vec<Vec<u8>> = argv.iter().map(|a| a.to_vec()).collect();
                let got = t.s.run(&sha, &[], &argv, &mut t.h, &limits());
                assert_eq!(got, want, "{}", String::from_utf8_lossy(body));
            }
        })
        .unwrap()
        .join()
        .unwrap();
}
