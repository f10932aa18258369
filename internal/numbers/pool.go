package numbers

import "strings"

// The pool, as a table of blocks in ascending E.164 order (TestPool checks the order, and
// that no two blocks overlap). Places are the area's main city; postal codes, LATAs, rate
// centers and coordinates are illustrative, so that the search filters have something
// plausible to match (and webhooks something to say in FromCity, FromState and FromZip:
// PlaceOf), and not a claim about any real exchange.

// countries lists the pool's countries by code, each with the types it has.
var countries = []Country{
	{Code: "CA", Name: "Canada", Types: []Type{Local, TollFree}},
	{Code: "GB", Name: "United Kingdom", Types: []Type{Local, Mobile, TollFree}},
	{Code: "US", Name: "United States", Types: []Type{Local, TollFree}},
}

var (
	// US and Canadian numbers take texts, pictures and calls, except that Canadian
	// toll-free numbers take no MMS.
	nanpCaps       = Capabilities{Voice: true, SMS: true, MMS: true}
	caTollFreeCaps = Capabilities{Voice: true, SMS: true}
	// UK landlines and freephone numbers take calls only; mobiles take texts too.
	gbLandlineCaps = Capabilities{Voice: true}
	gbMobileCaps   = Capabilities{Voice: true, SMS: true}
)

// nanpFiction is a US or Canadian area code's 555-0100 to 555-0199: the hundred numbers
// of every area code that NANPA reserves for fiction.
func nanpFiction(country string, typ Type, area string, place Place, caps Capabilities) block {
	return block{country: country, typ: typ, prefix: "+1" + area + "555", first: 100, count: 100, width: 4,
		place: place, caps: caps, address: AddressNone}
}

// gbDrama is a thousand numbers of one of Ofcom's ranges for drama: prefix (E.164)
// followed by 000 to 999.
func gbDrama(typ Type, prefix string, place Place, caps Capabilities, address string) block {
	return block{country: "GB", typ: typ, prefix: prefix, first: 0, count: 1000, width: 3,
		place: place, caps: caps, address: address}
}

func usCity(locality, region, postal, lata string, lat, long float64) Place {
	return Place{Locality: locality, Region: region, PostalCode: postal, LATA: lata,
		RateCenter: strings.ToUpper(locality), Position: &LatLong{lat, long}}
}

func caCity(locality, region, postal string, lat, long float64) Place {
	return Place{Locality: locality, Region: region, PostalCode: postal,
		RateCenter: strings.ToUpper(locality), Position: &LatLong{lat, long}}
}

func gbCity(locality string) Place { return Place{Locality: locality} }

var blocks = []block{
	nanpFiction("US", Local, "202", usCity("Washington", "DC", "20001", "236", 38.9072, -77.0369), nanpCaps),
	nanpFiction("CA", Local, "204", caCity("Winnipeg", "MB", "R3C 0N1", 49.8951, -97.1384), nanpCaps),
	nanpFiction("US", Local, "206", usCity("Seattle", "WA", "98101", "674", 47.6062, -122.3321), nanpCaps),
	nanpFiction("US", Local, "212", usCity("New York", "NY", "10001", "132", 40.7128, -74.0060), nanpCaps),
	nanpFiction("US", Local, "213", usCity("Los Angeles", "CA", "90012", "730", 34.0522, -118.2437), nanpCaps),
	nanpFiction("US", Local, "303", usCity("Denver", "CO", "80202", "656", 39.7392, -104.9903), nanpCaps),
	nanpFiction("US", Local, "305", usCity("Miami", "FL", "33130", "460", 25.7617, -80.1918), nanpCaps),
	nanpFiction("US", Local, "312", usCity("Chicago", "IL", "60601", "358", 41.8781, -87.6298), nanpCaps),
	nanpFiction("CA", Local, "403", caCity("Calgary", "AB", "T2P 1J9", 51.0447, -114.0719), nanpCaps),
	nanpFiction("US", Local, "404", usCity("Atlanta", "GA", "30303", "438", 33.7490, -84.3880), nanpCaps),
	nanpFiction("US", Local, "415", usCity("San Francisco", "CA", "94103", "722", 37.7749, -122.4194), nanpCaps),
	nanpFiction("CA", Local, "416", caCity("Toronto", "ON", "M5H 2N2", 43.6532, -79.3832), nanpCaps),
	// Twilio's test numbers: +15005550006 can be bought, and AreaCode=500 finds it first.
	// The area has no place; +15005550000 and +15005550001 are deliberately left out.
	{country: "US", typ: Local, prefix: "+1500555", first: 6, count: 1, width: 4, caps: nanpCaps, address: AddressNone},
	{country: "US", typ: Local, prefix: "+1500555", first: 100, count: 100, width: 4, caps: nanpCaps, address: AddressNone},
	nanpFiction("US", Local, "503", usCity("Portland", "OR", "97204", "672", 45.5152, -122.6784), nanpCaps),
	nanpFiction("US", Local, "512", usCity("Austin", "TX", "78701", "558", 30.2672, -97.7431), nanpCaps),
	nanpFiction("CA", Local, "514", caCity("Montreal", "QC", "H2Y 1C6", 45.5017, -73.5673), nanpCaps),
	nanpFiction("US", Local, "602", usCity("Phoenix", "AZ", "85004", "666", 33.4484, -112.0740), nanpCaps),
	nanpFiction("CA", Local, "604", caCity("Vancouver", "BC", "V6B 1A1", 49.2827, -123.1207), nanpCaps),
	nanpFiction("CA", Local, "613", caCity("Ottawa", "ON", "K1P 1J1", 45.4215, -75.6972), nanpCaps),
	nanpFiction("US", Local, "617", usCity("Boston", "MA", "02108", "128", 42.3601, -71.0589), nanpCaps),
	nanpFiction("US", Local, "702", usCity("Las Vegas", "NV", "89101", "721", 36.1699, -115.1398), nanpCaps),
	nanpFiction("US", Local, "713", usCity("Houston", "TX", "77002", "560", 29.7604, -95.3698), nanpCaps),
	nanpFiction("CA", Local, "780", caCity("Edmonton", "AB", "T5J 0N3", 53.5461, -113.4938), nanpCaps),
	// Toll-free codes serve both countries; each is given to one of them here, so that
	// every number has one country.
	nanpFiction("US", TollFree, "800", Place{}, nanpCaps),
	nanpFiction("CA", TollFree, "833", Place{}, caTollFreeCaps),
	nanpFiction("CA", TollFree, "844", Place{}, caTollFreeCaps),
	nanpFiction("CA", TollFree, "855", Place{}, caTollFreeCaps),
	nanpFiction("US", TollFree, "866", Place{}, nanpCaps),
	nanpFiction("US", TollFree, "877", Place{}, nanpCaps),
	nanpFiction("US", TollFree, "888", Place{}, nanpCaps),
	nanpFiction("CA", Local, "902", caCity("Halifax", "NS", "B3J 1S9", 44.6488, -63.5752), nanpCaps),

	// Ofcom's drama numbers: 01xx 496 0xxx for cities with four-digit codes, then
	// London and Cardiff, 07700 900xxx for mobiles and 0808 157 0xxx for freephone.
	gbDrama(Local, "+441134960", gbCity("Leeds"), gbLandlineCaps, AddressAny),
	gbDrama(Local, "+441144960", gbCity("Sheffield"), gbLandlineCaps, AddressAny),
	gbDrama(Local, "+441154960", gbCity("Nottingham"), gbLandlineCaps, AddressAny),
	gbDrama(Local, "+441164960", gbCity("Leicester"), gbLandlineCaps, AddressAny),
	gbDrama(Local, "+441174960", gbCity("Bristol"), gbLandlineCaps, AddressAny),
	gbDrama(Local, "+441184960", gbCity("Reading"), gbLandlineCaps, AddressAny),
	gbDrama(Local, "+441214960", gbCity("Birmingham"), gbLandlineCaps, AddressAny),
	gbDrama(Local, "+441314960", gbCity("Edinburgh"), gbLandlineCaps, AddressAny),
	gbDrama(Local, "+441414960", gbCity("Glasgow"), gbLandlineCaps, AddressAny),
	gbDrama(Local, "+441514960", gbCity("Liverpool"), gbLandlineCaps, AddressAny),
	gbDrama(Local, "+441614960", gbCity("Manchester"), gbLandlineCaps, AddressAny),
	gbDrama(Local, "+442079460", gbCity("London"), gbLandlineCaps, AddressAny),
	gbDrama(Local, "+442920180", gbCity("Cardiff"), gbLandlineCaps, AddressAny),
	gbDrama(Mobile, "+447700900", Place{}, gbMobileCaps, AddressNone),
	gbDrama(TollFree, "+448081570", Place{}, gbLandlineCaps, AddressNone),
}
