import { distanceKm } from "../../src/network/index.js";

/** A seeded PRNG (mulberry32), so every run of the simulation sees the same world and traffic. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SimCity {
  city: string;
  region: string;
  lat: number;
  lon: number;
  /** Share of the world's requests that start here (Zipf by rank: a few hot cities). */
  weight: number;
}

/** Population centres per region: cities scatter around them. */
const REGIONS: { region: string; centres: [number, number][] }[] = [
  { region: "eu", centres: [[48.9, 2.3], [52.5, 13.4], [40.4, -3.7], [45.5, 9.2], [59.3, 18.1]] },
  { region: "us", centres: [[40.7, -74.0], [41.9, -87.6], [34.1, -118.2], [29.8, -95.4], [47.6, -122.3]] },
  { region: "sa", centres: [[-23.5, -46.6], [-34.6, -58.4], [4.7, -74.1], [-12.0, -77.0]] },
  { region: "as", centres: [[35.7, 139.7], [1.35, 103.8], [19.1, 72.9], [37.6, 127.0], [22.3, 114.2]] },
  { region: "af", centres: [[-26.2, 28.0], [6.5, 3.4], [30.0, 31.2], [-1.3, 36.8]] },
];

/**
 * Cities in 5 regions. Demand: `zipf` gives a few very hot cities (the top one 19% of the
 * world's requests); `uneven` gives each city a demand around its own capacity, times a
 * log-normal factor (sigma 0.6: some cities run at twice their share, some at half).
 */
export function makeCities(count: number, rand: () => number, demand: "zipf" | "uneven"): SimCity[] {
  const cities: SimCity[] = [];
  for (let i = 0; i < count; i += 1) {
    const region = REGIONS[i % REGIONS.length]!;
    const centre = region.centres[Math.floor(rand() * region.centres.length)]!;
    cities.push({ city: `c${String(i).padStart(3, "0")}`, region: region.region, lat: centre[0] + (rand() - 0.5) * 8, lon: centre[1] + (rand() - 0.5) * 10, weight: 0 });
  }
  if (demand === "zipf") {
    // Over a shuffled rank: demand does not follow the region order.
    const ranks = cities.map((_, i) => i).sort(() => rand() - 0.5);
    ranks.forEach((cityIndex, rank) => (cities[cityIndex]!.weight = 1 / (rank + 1)));
  } else {
    for (const city of cities) {
      const normal = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
      city.weight = Math.exp(0.6 * normal);
    }
  }
  return cities;
}

/**
 * One-way latency between two cities in ms: great-circle distance through fibre (200 km/ms)
 * inflated by 1.6 for real cable paths, plus 0.5 ms of switching; 0.05 ms inside a city.
 */
export function oneWayMs(a: SimCity, b: SimCity): number {
  if (a.city === b.city) return 0.05;
  return (distanceKm(a, b) / 200) * 1.6 + 0.5;
}
