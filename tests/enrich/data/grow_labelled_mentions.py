"""Writes the second part of labelled_mentions.tsv: posts with the quirks of real archives.

Run once by hand (``python tests/enrich/data/grow_labelled_mentions.py``); it rewrites what
follows the marker line of labelled_mentions.tsv, keeping the hand-written first part.

Every post is written from hand-made pieces, not from the resolver: for each kind of mention
a list of surface forms per coin (how people really write them: ``$BTC.X`` on 2013
StockTwits, ``#Bitcoin Cash``, ``@BitcoinMagazine``, ``Bitcoiners``), a list of sentences per
era and language to put them in, and wrappers real posts come in (retweets, replies, links,
emoji, "via @…"). The expected label of a planted mention is the kind it was written as, so
the per-kind report says how each way of naming a coin fares. Hard negatives (links, e-mail
addresses, forks, everyday words, look-alike handles) are written out one by one.
"""

from __future__ import annotations

import random
from pathlib import Path

HERE = Path(__file__).parent
MARKER = "# --- real-archive quirks (grow_labelled_mentions.py) ---"

# coin -> kind -> surface forms, as people write them.
FORMS: dict[str, dict[str, list[str]]] = {
    "bitcoin": {
        "cashtag": ["$BTC", "$btc", "$bitcoin", "$Bitcoin", "$BTC.X", "$XBT"],
        "hashtag": ["#Bitcoin", "#bitcoin", "#BTC", "#btc", "#BITCOIN"],
        "name": [
            "Bitcoin",
            "bitcoin",
            "BITCOIN",
            "Bitcoin-based",
            "bitcoin-only",
            "ビットコイン",
            "比特币",
            "биткоин",
            "비트코인",
        ],
        "symbol": ["BTC", "XBT"],
        "derived": [
            "bitcoins",
            "Bitcoins",
            "Bitcoiners",
            "bitcoiners",
            "Bitcoiner",
            "Bitcoinize",
            "Bitcoinization",
            "bitcoinism",
            "bitcoinist",
        ],
        "hashtag_compound": [
            "#BitcoinPizzaDay",
            "#BitcoinBowl",
            "#Bitcoin-based",
            "#bitcoin-friendly",
            "#BitcoinTwitter",
            "#BTCUSD",
            "#bitcoinmining",
            "#BitcoinHalving",
            "#bitcoin2013",
            "#BTC2021",
            "#Bitcoin_ETF",
        ],
        "handle": ["@Bitcoin", "@bitcoin", "@BITCOIN", "@bitcoincore"],
        "handle_contains": [
            "@BitcoinMagazine",
            "@bitcoinmagazine",
            "@TheBitcoinGuy",
            "@BitcoinArchive",
            "@bitcoin_daily",
            "@BitcoinNewsCom",
        ],
    },
    "ethereum": {
        "cashtag": ["$ETH", "$eth", "$ethereum", "$Ethereum"],
        "hashtag": ["#Ethereum", "#ethereum", "#ETH", "#Eth"],
        "name": ["Ethereum", "ethereum", "Ethereum-compatible", "Ether", "イーサリアム", "以太坊"],
        "symbol": ["ETH"],
        "derived": ["Ethereans", "Ethereumism", "ethereumist"],
        "hashtag_compound": [
            "#EthereumMerge",
            "#Ethereum-based",
            "#ETHUSDT",
            "#ethereumdev",
            "#EthereumNFT",
            "#ETHBTC",
        ],
        "handle": ["@ethereum", "@Ethereum", "@EthereumFndn"],
        "handle_contains": ["@ethereumJoseph", "@EthereumDaily", "@week_in_ethereum"],
    },
    "dogecoin": {
        "cashtag": ["$DOGE", "$doge", "$dogecoin"],
        "hashtag": ["#Dogecoin", "#DOGE", "#dogecoin"],
        "name": ["Dogecoin", "dogecoin", "ドージコイン"],
        "derived": ["Dogecoiners", "dogecoins"],
        "hashtag_compound": ["#DogecoinArmy", "#dogecoinarmy", "#DogecoinToTheMoon", "#DOGEUSD"],
        "handle": ["@dogecoin", "@Dogecoin"],
        "handle_contains": ["@DogecoinRise", "@dogecoin_news"],
    },
    "litecoin": {
        "cashtag": ["$LTC", "$litecoin"],
        "hashtag": ["#Litecoin", "#LTC"],
        "name": ["Litecoin", "litecoin", "ライトコイン"],
        "symbol": ["LTC"],
        "derived": ["litecoins", "Litecoiners"],
        "hashtag_compound": ["#LitecoinFam", "#LTCUSD", "#litecoin-friendly"],
        "handle": ["@litecoin", "@LitecoinProject"],
        "handle_contains": ["@LitecoinNews", "@litecoinbull"],
    },
    "solana": {
        "cashtag": ["$SOL", "$sol", "$solana"],
        "hashtag": ["#Solana", "#SOL"],
        "name": ["Solana", "Solana-based"],
        "derived": ["Solanas"],
        "hashtag_compound": ["#SolanaSummer", "#solana-nft", "#SOLUSDT", "#solananfts"],
        "handle": ["@solana", "@SolanaLabs"],
        "handle_contains": ["@SolanaFloor", "@solana_daily"],
    },
    "cardano": {
        "cashtag": ["$ADA", "$cardano"],
        "hashtag": ["#Cardano", "#ADA", "#cardano"],
        "name": ["Cardano", "cardano"],
        "symbol": ["ADA"],
        "derived": ["Cardanos"],
        "hashtag_compound": ["#CardanoCommunity", "#cardanocommunity", "#ADAUSD"],
        "handle": ["@Cardano", "@CardanoStiftung"],
        "handle_contains": ["@CardanoWhale", "@cardano_updates"],
    },
    "ripple": {
        "cashtag": ["$XRP", "$xrp"],
        "hashtag": ["#XRP", "#xrp"],
        "name": ["XRP", "Ripple", "リップル"],
        "hashtag_compound": ["#XRPArmy", "#XRPCommunity", "#XRPUSD"],
        "handle": ["@Ripple"],
        "handle_contains": ["@XRP_Daily_News"],
    },
    "monero": {
        "cashtag": ["$XMR", "$monero"],
        "hashtag": ["#Monero", "#XMR"],
        "name": ["Monero", "monero"],
        "symbol": ["XMR"],
        "hashtag_compound": ["#MoneroCommunity", "#monero-friendly"],
        "handle": ["@monero"],
        "handle_contains": ["@MoneroTalk", "@monerooutreach"],
    },
    "polkadot": {
        "cashtag": ["$DOT", "$polkadot"],
        "hashtag": ["#Polkadot", "#polkadot"],
        "name": ["Polkadot"],
        "derived": ["Polkadots"],
        "hashtag_compound": ["#PolkadotParachain", "#polkadot-based"],
        "handle": ["@Polkadot"],
        "handle_contains": ["@PolkadotInsider"],
    },
    "chainlink": {
        "cashtag": ["$LINK", "$chainlink"],
        "hashtag": ["#Chainlink", "#chainlink"],
        "name": ["Chainlink"],
        "derived": ["Chainlinkers"],
        "hashtag_compound": ["#ChainlinkStaking", "#chainlink-powered"],
        "handle": ["@chainlink"],
        "handle_contains": ["@ChainLinkGod", "@chainlinkwhale"],
    },
    "bitcoin-cash": {
        "cashtag": ["$BCH", "$bitcoincash"],
        "hashtag": ["#BitcoinCash", "#BCH", "#Bitcoin Cash", "#bitcoin cash", "#Bitcoin_Cash"],
        "name": ["Bitcoin Cash", "bitcoin cash", "Bitcoin-Cash", "BitcoinCash", "Bitcoin Cash's"],
        "symbol": ["BCH"],
        "hashtag_compound": ["#BitcoinCashFans", "#BCHUSD", "#bitcoincash-friendly"],
        "handle": ["@BitcoinCash", "@bitcoincashorg"],
        "handle_contains": ["@BitcoinCashFan", "@bitcoincash_news"],
    },
    "ethereum-classic": {
        "cashtag": ["$ETC"],
        "hashtag": ["#EthereumClassic", "#ETC", "#Ethereum Classic", "#ethereum classic"],
        "name": ["Ethereum Classic", "Ethereum-Classic", "EthereumClassic"],
        "symbol": ["ETC"],
        "hashtag_compound": ["#EthereumClassicCommunity", "#ETCUSD"],
        "handle": ["@eth_classic", "@EthereumClassic"],
        "handle_contains": ["@EthereumClassicNews"],
    },
    "shiba-inu": {
        "cashtag": ["$SHIB", "$shib"],
        "hashtag": ["#SHIB", "#ShibaInu", "#Shiba Inu"],
        "name": ["Shiba Inu", "ShibaInu"],
        "symbol": ["SHIB"],
        "hashtag_compound": ["#ShibaInuArmy", "#SHIBUSDT"],
        "handle": ["@Shibtoken", "@ShibaInu"],
        "handle_contains": ["@ShibaInuHodler"],
    },
    "tether": {
        "cashtag": ["$USDT"],
        "hashtag": ["#Tether", "#USDT"],
        "name": ["Tether"],
        "symbol": ["USDT"],
        "handle": ["@Tether_to"],
    },
    "matic-network": {
        "cashtag": ["$MATIC"],
        "hashtag": ["#Polygon", "#MATIC"],
        "name": ["Polygon"],
        "symbol": ["MATIC"],
        "hashtag_compound": ["#PolygonNFT", "#MATICUSDT"],
        "handle": ["@0xPolygon", "@0xPolygonLabs"],
    },
    "stellar": {
        "cashtag": ["$XLM"],
        "hashtag": ["#Stellar", "#XLM"],
        "name": ["Stellar"],
        "symbol": ["XLM"],
        "handle": ["@StellarOrg"],
    },
    "near": {
        "cashtag": ["$NEAR", "$near"],
        "hashtag": ["#NEARProtocol", "#NEAR Protocol"],
        "name": ["NEAR Protocol", "Near Protocol"],
        "handle": ["@NEARProtocol"],
        "handle_contains": ["@NEARProtocolNews"],
    },
    "internet-computer": {
        "cashtag": ["$ICP"],
        "hashtag": ["#InternetComputer", "#ICP", "#Internet Computer"],
        "name": ["Internet Computer"],
        "symbol": ["ICP"],
        "handle": ["@dfinity"],
    },
    "avalanche-2": {
        "cashtag": ["$AVAX"],
        "hashtag": ["#Avalanche", "#AVAX"],
        "name": ["Avalanche"],
        "symbol": ["AVAX"],
        "hashtag_compound": ["#AVAXUSDT", "#AvalancheSubnets"],
        "handle": ["@avax", "@AvalancheAVAX"],
    },
    "filecoin": {
        "cashtag": ["$FIL"],
        "hashtag": ["#Filecoin"],
        "name": ["Filecoin"],
        "hashtag_compound": ["#FilecoinPlus"],
        "handle": ["@Filecoin"],
        "handle_contains": ["@FilecoinTLDR"],
    },
    "uniswap": {
        "cashtag": ["$UNI"],
        "hashtag": ["#Uniswap"],
        "name": ["Uniswap"],
        "hashtag_compound": ["#UniswapV3"],
        "handle": ["@Uniswap"],
        "handle_contains": ["@UniswapProtocol"],
    },
}

# Sentences to put a mention in ({m} is the mention), by era / language.
SENTENCES_2013 = [
    "Just bought {m} on MtGox, price still climbing",
    "{m} price alert: up 8% on Bitstamp in the last hour",
    "Anyone know a good wallet for {m}? Blockchain.info keeps timing out",
    "mining {m} with two GPUs in the basement, electricity bill is scary",
    "Our store now accepts {m}! Come by this weekend",
    "Is {m} a bubble? Read the thread on the forum before you buy",
    "Watching the {m} chart instead of working. Again.",
    "{m} ATM installed downtown, lines around the block",
    "Lost my {m} wallet.dat, backups people, backups",
    "The Silk Road bust did not kill {m} after all",
    "Talked about {m} at the meetup tonight, packed room",
    "Chinese exchanges halt {m} deposits, panic selling everywhere",
]
SENTENCES_2021 = [
    "gm. {m} looking spicy today 🌶️",
    "{m} to the moon 🚀🚀🚀 wagmi",
    "Not financial advice but {m} is the play this cycle",
    "Who's still holding {m} after that dump? 🙋",
    "{m} just broke resistance, shorts getting liquidated 🩸",
    "I told my uncle about {m} at Thanksgiving and he bought the top lol",
    "NFT drop tonight, mint price paid in {m} 👀",
    "{m} whales are accumulating, on-chain data doesn't lie 🐳",
    "ngmi if you're not paying attention to {m} rn",
    "Big thread on {m} fundamentals 🧵👇",
    "{m} dip = buying opportunity 💎🙌",
    "Staking rewards on {m} hit my wallet this morning ☕",
    "Bought more {m} with my stimmy check",
    "{m} funding rates flipped negative, careful out there",
]
SENTENCES_OTHER = [
    "El precio de {m} sube un 5% hoy 🚀",
    "¿Alguien más comprando {m} en esta caída?",
    "Comprei mais {m} hoje, vamos ver",
    "O {m} vai voltar, paciência",
    "Heute wieder {m} nachgekauft, Kurs ist im Keller",
    "Meine Meinung zu {m}: langfristig bullish",
    "Le {m} dépasse encore un record ce matin",
    "Qui a vendu ses {m} trop tôt ? 😭",
    "{m} oggi in forte rialzo",
    "{m} fiyatı yine düştü, sabır",
    "{m}が急騰してる",
    "{m} 가격이 또 올랐다",
    "{m} снова растёт",
    "{m}又涨了，太疯狂了",
    "Wah {m} naik lagi hari ini",
]
SENTENCES_NEWS = [
    "BREAKING: SEC delays decision on {m} ETF",
    "{m} network upgrade scheduled for next month, devs confirm",
    "Report: institutional inflows into {m} products hit a record week",
    "Exchange lists {m} perpetual futures with 20x leverage",
    "{m} hashrate hits all-time high",
    "Analysts split on {m} after weekend sell-off",
    "Regulators in Europe weigh new rules that could affect {m}",
    "Podcast ep. 112: everything you got wrong about {m}",
]
# Sentences for handles: a handle is addressed or quoted.
HANDLE_SENTENCES = [
    "thanks {m} for the quick answer on the fee question",
    "great thread by {m} on how the halving works",
    "{m} any update on the roadmap?",
    "as {m} said yesterday, patience pays",
    "just followed {m}, solid updates every day",
    "listening to the space hosted by {m} right now 🎧",
]
PREFIXES = [
    "",
    "",
    "",
    "RT @cryptokaren: ",
    "RT @mike_trades: ",
    "@jsmith_88 ",
    "@lena_k @tom_b ",
    "Replying to @satoshifan2012: ",
]
SUFFIXES = [
    "",
    "",
    "",
    " https://t.co/x7Yq2LmA9b",
    " 🔥",
    " #crypto",
    " via @CoinDeskNews",
    " (h/t @jane_doe)",
    " http://bit.ly/1aB2cD3",
    " #altcoins #trading",
    " 📉📉",
    " pic.twitter.com/aBcD1234",
]
# Fillers users append: neutral words, no coin.
FILLERS = ["", "", "lol", "smh", "ok", "idk", "imo", "fr", "tbh", "(not advice)"]

# Hard negatives written out: nothing here names a coin.
NEGATIVES = [
    "Read the whitepaper at https://bitcoin.org/bitcoin.pdf tonight",
    "docs are on ethereum.org if you want to build",
    "email me at bitcoin@gmail.com for the spreadsheet",
    "contact info@ethereum.org? no reply in weeks",
    "Bitcoin.com wallet update broke my phone",
    "bitcoinmagazine.com is down again",
    "coindesk.com/markets/bitcoin-price has the chart",
    "Bitcoin Gold mainnet launch went badly",
    "Bitcoin SV fans are at it again",
    "#BitcoinSV is not what Satoshi meant",
    "#BitcoinGold airdrop claim guide",
    "@BitcoinSVNode said nothing new",
    "Bitcoin Private fork snapshot tomorrow",
    "Bitcoin Diamond still trading somewhere?",
    "#Bitcoin Gold hash war, who cares",
    "Ethereum PoW miners moved on",
    "the Solanaceae family includes tomatoes and potatoes",
    "#Solanaceae are nightshades, don't eat the leaves",
    "a stellar performance from the midfield tonight",
    "tether your dog when you leave the house",
    "polygon count is way too high in this 3D model",
    "the ripple effect of this policy will take years",
    "diethyl ether smells weird in the lab",
    "an avalanche warning was issued for the pass",
    "harmony in the choir was perfect",
    "cosmos flowers blooming in the garden",
    "the Doge's Palace in Venice was packed",
    "I'm near the station, ten minutes",
    "link in bio for the full video",
    "dot the i's and cross the t's",
    "one more coffee and I'm done",
    "sand everywhere after the beach trip",
    "gas prices at the pump are insane",
    "uni exams next week, send help",
    "sol y playa este verano ☀️",
    "Ada Lovelace day today 💜",
    "@ETH_en lecture on databases was great",
    "@nearlyhuman you were right",
    "@stellar_jay see you at lunch",
    "@harmony_yoga class moved to 6pm",
    "@pepelepew classic cartoon",
    "made 500 dollars cash selling old games",
    "gold and silver are the old hedges",
    "my uncle only buys gold coins",
    "crypto winter is here, stay warm",
    "blockchain not crypto, said every bank in 2017",
    "the mempool is empty today",
    "hodl hodl hodl",
    "Satoshi's vision, whatever that means now",
    "when lambo? never apparently",
    "wen moon ser",
    "NFTs are just receipts change my mind",
    "seed phrase on paper, in a safe, not in your notes app",
    "DeFi summer feels like a decade ago",
    "stablecoin depeg scare over already",
    "the altcoin season index is at 12",
    "mining difficulty adjustment in 3 days",
    "layer 2 fees are basically zero now",
    "my portfolio is down 60% and I'm fine 🙂",
    "send me your favorite crypto podcast",
    "buy the rumor, sell the news",
    "cold wallet arrived today, setting it up",
    "exchange withdrawals paused for maintenance",
    "WAGMI fam, good night",
    "THE ONE AND ONLY",
    "NEAR THE TOP? maybe",
    "LINK IN BIO",
    "GAS GAS GAS 🏎️",
    "Apt 12 has a package for you",
    "We used to be so close, now it's all ether between us",
    "http://www.bitcoin.it/wiki/Main_Page is the old wiki",
    "sign up at www.dogecoin.com/register (not a real link lol)",
    "Check litecoin.org and solana.com, both redesigned",
    "support@cardano.org never answered",
    "my email is ethereum.fan@yahoo.com",
    "pools at pool.bitcoin.com are full",
    "tip jar: paypal.me/cryptoartist",
    "vote at snapshot.org before friday",
    "sol, sol, sol, ¿dónde estás?",
    "Shiba puppies are the cutest dogs",
    "dogecoin.com/wallet not loading for anyone?",
    "the cosmos is vast and so is my bag of regret",
    "beach trip this weekend 🏖️ #Solanaceae",
]
# Bitcoin Cash posts that must never resolve to bitcoin alone (expected: bitcoin-cash).
BCH_POSTS = [
    ("hashtag", "#Bitcoin Cash is the real peer-to-peer electronic cash"),
    ("hashtag", "Big week for #Bitcoin Cash, merchants keep adding it"),
    ("hashtag", "#bitcoin cash fees under a cent again"),
    ("name", "Paid for lunch with Bitcoin-Cash today, instant"),
    ("name", "BitcoinCash adoption in Venezuela is real"),
    ("handle", "@BitcoinCash please fix the explorer link"),
    ("handle_contains", "@BitcoinCashFan posted the hashrate chart"),
    ("hashtag_compound", "#BitcoinCashFans meetup tonight in Tokyo"),
    ("name", "Bitcoin Cash (BCH) upgrade went smoothly"),
    ("hashtag", "#Bitcoin_Cash stress test today"),
    ("name", "Why I switched my shop to bitcoin cash"),
    ("hashtag", "RT @rogerkver: #Bitcoin Cash is the real one"),
]


def _form(rng: random.Random, coin: str, kind: str) -> str:
    return rng.choice(FORMS[coin][kind])


def _wrap(rng: random.Random, body: str) -> str:
    filler = rng.choice(FILLERS)
    text = rng.choice(PREFIXES) + body + rng.choice(SUFFIXES)
    return f"{text} {filler}".strip() if filler else text


def rows() -> list[tuple[str, str]]:
    rng = random.Random(20261202)
    out: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(expected: list[tuple[str, str]], text: str) -> None:
        if text in seen or "\t" in text:
            return
        seen.add(text)
        label = ",".join(f"{coin}:{kind}" for coin, kind in expected) or "-"
        out.append((label, text))

    kinds = [
        "cashtag",
        "hashtag",
        "name",
        "symbol",
        "derived",
        "hashtag_compound",
        "handle",
        "handle_contains",
    ]
    sentences = SENTENCES_2013 + SENTENCES_2021 + SENTENCES_OTHER + SENTENCES_NEWS
    # One planted mention per post, every kind, every coin that has that kind.
    for kind in kinds:
        pairs = [(coin, form) for coin, forms in FORMS.items() for form in forms.get(kind, [])]
        target = 70 if kind in ("cashtag", "hashtag", "name") else 55
        for n in range(target * 2):
            single = [label for label, _ in out if label.endswith(":" + kind) and "," not in label]
            if len(single) >= target:
                break
            coin, form = pairs[n % len(pairs)] if n < len(pairs) else rng.choice(pairs)
            pool = HANDLE_SENTENCES if kind.startswith("handle") else sentences
            sentence = rng.choice(pool)
            if kind.startswith("handle") and rng.random() < 0.3:
                body = f"RT {form}: {rng.choice(sentences).format(m='it')}"
            else:
                body = sentence.format(m=form)
            add([(coin, kind)], _wrap(rng, body))
    # Two coins in one post, different kinds.
    coins = list(FORMS)
    for _ in range(160):
        first, second = rng.sample(coins, 2)
        if {first, second} & {"bitcoin", "bitcoin-cash"} == {"bitcoin", "bitcoin-cash"}:
            continue  # those pairs are written below
        if {first, second} & {"ethereum", "ethereum-classic"} == {"ethereum", "ethereum-classic"}:
            continue
        kind1 = rng.choice([k for k in kinds if k in FORMS[first]])
        kind2 = rng.choice([k for k in kinds if k in FORMS[second]])
        form1, form2 = _form(rng, first, kind1), _form(rng, second, kind2)
        body = rng.choice(
            [
                f"{form1} or {form2} for the next cycle?",
                f"rotating out of {form1} into {form2} 🔄",
                f"{form1} up, {form2} down, what a day",
                f"my bags: {form1} and {form2}. that's it",
                f"{form1} vs {form2}, fight!",
                f"Portfolio update: 60% {form1}, 40% {form2}",
                f"{form1} and {form2} both listed on the new exchange",
            ]
        )
        add([(first, kind1), (second, kind2)], _wrap(rng, body))
    # Bitcoin and Bitcoin Cash (and ETH / ETC) side by side.
    for _ in range(30):
        k1 = rng.choice(["cashtag", "name", "hashtag", "symbol"])
        k2 = rng.choice(["cashtag", "name", "hashtag", "symbol"])
        a, b = _form(rng, "bitcoin", k1), _form(rng, "bitcoin-cash", k2)
        template = rng.choice(
            [
                "{a} and {b}: not the same thing",
                "{b} forked from {a} in 2017",
                "sold my {b} for {a}, finally",
            ]
        )
        add([("bitcoin", k1), ("bitcoin-cash", k2)], _wrap(rng, template.format(a=a, b=b)))
        e1 = rng.choice(["cashtag", "name", "hashtag"])
        e2 = rng.choice(["cashtag", "name", "hashtag"])
        a, b = _form(rng, "ethereum", e1), _form(rng, "ethereum-classic", e2)
        add(
            [("ethereum", e1), ("ethereum-classic", e2)],
            _wrap(rng, f"{b} is the original chain, {a} the fork. Change my mind"),
        )
    for kind, text in BCH_POSTS:
        add([("bitcoin-cash", kind)], text)
        add([("bitcoin-cash", kind)], _wrap(rng, text))
    for text in NEGATIVES:
        add([], text)
        add([], _wrap(rng, text))
    return out


def main() -> None:
    path = HERE / "labelled_mentions.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    head = lines[: lines.index(MARKER)] if MARKER in lines else lines
    existing = {line.split("\t", 1)[1] for line in head if line and not line.startswith("#")}
    body = [f"{label}\t{text}" for label, text in rows() if text not in existing]
    path.write_text("\n".join([*head, MARKER, *body]) + "\n", encoding="utf-8")
    print(f"{len(body)} posts written after the marker")


if __name__ == "__main__":
    main()
