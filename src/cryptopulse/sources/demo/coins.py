"""The demo universe: ~30 large coins with their real CoinGecko ids and plausible parameters.

Prices and supplies are rough figures for 2023-01-01 (the demo epoch); volatilities are
hourly standard deviations of the log price, chosen so annualised vols land in the range
such coins really showed (about 40-120 %). ``near``, ``one`` and ``sand`` are in on purpose:
their tickers are ordinary English words, which mention resolution has to cope with.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any


@dataclass(frozen=True)
class DemoCoin:
    """One coin of the demo universe and the parameters its market walk and posts use."""

    coin_id: str  # CoinGecko id
    symbol: str  # lower case, as CoinGecko lists it
    name: str
    price: float  # approximate USD price on 2023-01-01
    supply: float  # circulating supply on 2023-01-01
    hourly_vol: float  # std of the hourly log-return in a normal regime; 0 for stablecoins
    daily_volume: float  # typical USD volume traded per day
    social_weight: float  # relative share of posts (normalised over the universe)
    supply_growth: float = 0.0  # yearly growth rate of the circulating supply

    @property
    def stable(self) -> bool:
        """Stablecoins are pinned near 1 USD instead of following a random walk."""
        return self.hourly_vol == 0.0

    @property
    def cashtag(self) -> str:
        return "$" + self.symbol.upper()

    @property
    def hashtag(self) -> str:
        return "#" + self.name.replace(" ", "")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


DEMO_COINS: tuple[DemoCoin, ...] = (
    DemoCoin("bitcoin", "btc", "Bitcoin", 16_600.0, 19.25e6, 0.0055, 15e9, 30.0, 0.017),
    DemoCoin("ethereum", "eth", "Ethereum", 1_200.0, 120.5e6, 0.0068, 5e9, 15.0, 0.0),
    DemoCoin("tether", "usdt", "Tether", 1.0, 66.3e9, 0.0, 20e9, 2.0, 0.30),
    DemoCoin("binancecoin", "bnb", "BNB", 246.0, 160e6, 0.0060, 4e8, 3.0, -0.02),
    DemoCoin("solana", "sol", "Solana", 10.0, 370e6, 0.0120, 3e8, 5.0, 0.05),
    DemoCoin("ripple", "xrp", "XRP", 0.34, 50.5e9, 0.0070, 6e8, 5.0, 0.05),
    DemoCoin("usd-coin", "usdc", "USDC", 1.0, 44.5e9, 0.0, 2.5e9, 1.0, -0.10),
    DemoCoin("cardano", "ada", "Cardano", 0.25, 34.5e9, 0.0080, 2e8, 4.0, 0.02),
    DemoCoin("dogecoin", "doge", "Dogecoin", 0.070, 132.7e9, 0.0100, 3e8, 5.0, 0.04),
    DemoCoin("tron", "trx", "TRON", 0.055, 92e9, 0.0050, 2e8, 1.0, -0.02),
    DemoCoin("avalanche-2", "avax", "Avalanche", 10.9, 311e6, 0.0110, 1.5e8, 2.0, 0.10),
    DemoCoin("chainlink", "link", "Chainlink", 5.6, 508e6, 0.0100, 2e8, 2.0, 0.05),
    DemoCoin("polkadot", "dot", "Polkadot", 4.3, 1.15e9, 0.0090, 1.2e8, 2.0, 0.08),
    DemoCoin("matic-network", "matic", "Polygon", 0.76, 8.73e9, 0.0100, 2.5e8, 2.0, 0.03),
    DemoCoin("litecoin", "ltc", "Litecoin", 70.0, 72e6, 0.0090, 4e8, 2.0, 0.02),
    DemoCoin("shiba-inu", "shib", "Shiba Inu", 8.2e-6, 549e12, 0.0100, 1.2e8, 3.0, 0.0),
    DemoCoin("bitcoin-cash", "bch", "Bitcoin Cash", 97.0, 19.27e6, 0.0080, 1.5e8, 1.0, 0.017),
    DemoCoin("uniswap", "uni", "Uniswap", 5.2, 762e6, 0.0100, 5e7, 1.0, 0.02),
    DemoCoin("stellar", "xlm", "Stellar", 0.072, 26e9, 0.0070, 5e7, 1.0, 0.04),
    DemoCoin("cosmos", "atom", "Cosmos Hub", 9.4, 286e6, 0.0100, 1e8, 1.0, 0.10),
    DemoCoin("monero", "xmr", "Monero", 147.0, 18.2e6, 0.0070, 6e7, 1.0, 0.008),
    DemoCoin("ethereum-classic", "etc", "Ethereum Classic", 16.0, 138e6, 0.0100, 2e8, 1.0, 0.03),
    DemoCoin("near", "near", "NEAR Protocol", 1.24, 845e6, 0.0120, 6e7, 1.0, 0.10),
    DemoCoin("aptos", "apt", "Aptos", 3.5, 160e6, 0.0180, 4e7, 1.0, 0.30),
    DemoCoin("filecoin", "fil", "Filecoin", 2.9, 370e6, 0.0120, 1.2e8, 1.0, 0.25),
    DemoCoin("internet-computer", "icp", "Internet Computer", 3.6, 290e6, 0.0110, 3e7, 1.0, 0.10),
    DemoCoin("hedera-hashgraph", "hbar", "Hedera", 0.038, 25.5e9, 0.0090, 2e7, 1.0, 0.12),
    DemoCoin("the-sandbox", "sand", "The Sandbox", 0.37, 1.5e9, 0.0110, 6e7, 1.0, 0.10),
    DemoCoin("harmony", "one", "Harmony", 0.014, 13.6e9, 0.0120, 1.5e7, 0.5, 0.05),
    # Pepe only launched in April 2023; the demo lets it trade from the epoch at launch-era
    # prices rather than special-casing a listing date.
    DemoCoin("pepe", "pepe", "Pepe", 1.0e-7, 391.8e12, 0.0220, 5e7, 2.0, 0.0),
)


def demo_universe(copies: int = 1) -> tuple[DemoCoin, ...]:
    """The 30 coins, then ``copies - 1`` numbered copies of them (``bitcoin-2``, ``btc2``,
    "Bitcoin 2", …): more hourly rows and more coins to resolve for benchmarks at scale, with
    the same parameters. One copy is exactly ``DEMO_COINS``."""
    if copies < 1:
        raise ValueError(f"copies must be at least 1, got {copies}")
    clones = (
        replace(c, coin_id=f"{c.coin_id}-{k}", symbol=f"{c.symbol}{k}", name=f"{c.name} {k}")
        for k in range(2, copies + 1)
        for c in DEMO_COINS
    )
    return (*DEMO_COINS, *clones)
