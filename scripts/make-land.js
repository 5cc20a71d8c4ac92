// Regenerates www/land.json, the world map's land shapes, from Natural Earth's 1:110m
// land polygons (public domain) as the npm package world-atlas ships them:
//   npm install --no-save world-atlas@2.0.2 topojson-client@3.1.0 && node scripts/make-land.js
// Output: an array of rings, each a flat list of longitude,latitude pairs in tenths of a
// degree (integers), small enough to embed in the app.
const fs = require('fs');
const topojson = require('topojson-client');
const topo = JSON.parse(fs.readFileSync(require.resolve('world-atlas/land-110m.json')));
const land = topojson.feature(topo, topo.objects.land);
const rings = [];
for (const f of land.features) {
  const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
  for (const poly of polys) {
    for (const ring of poly) {
      const flat = [];
      let last = null;
      for (const [lon, lat] of ring) {
        const p = [Math.round(lon * 10), Math.round(lat * 10)];
        if (last && p[0] === last[0] && p[1] === last[1]) continue;
        flat.push(p[0], p[1]);
        last = p;
      }
      if (flat.length >= 6) rings.push(flat);
    }
  }
}
fs.writeFileSync('www/land.json', JSON.stringify(rings));
console.log(`${rings.length} rings, ${rings.reduce((n, r) => n + r.length / 2, 0)} points`);
