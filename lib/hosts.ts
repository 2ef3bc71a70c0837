/**
 * Hosts of ThingPark Enterprise SaaS (Actility's public documentation). Self-hosted platforms
 * are added at run time through optional host permissions.
 */
export const THINGPARK_MATCHES = [
  'https://community.thingpark.io/*',
  'https://*.thingpark.com/*',
  'https://*.thingpark.io/*',
  'https://*.actility.com/*',
];
