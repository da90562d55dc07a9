"""The structured parts of a weather check's reasons in the API: the value and limit a reason found
(``ReasonMeasureRead``) and the report it was read from (``ReasonSourceRead``).

Both are optional on a reason: checks stored before they existed have only the sentence, and a
reason that is about no value (darkness, a missing report) has no measure.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from sync.weather.verdicts import Bound


class ReasonMeasureRead(BaseModel):
    """What the reason found and the limit it was held against."""

    value: float | None = Field(
        None, description="the number compared with the limit, in ``unit``: a wind's strongest "
                          "(the gust when there is one), the crosswind on the best runway; null "
                          "for weather codes (see ``codes``)")
    limit: float | None = Field(None, description="the limit, in ``unit``; null when none is allowed")
    unit: Literal["ft", "SM", "kt", "min"] | None = Field(
        None, description="ft (ceiling), SM (visibility), kt (wind, crosswind), min (a report's "
                          "age); null for weather codes")
    bound: Bound = Field(description="MINIMUM: the value must be at least the limit; MAXIMUM: at "
                                     "most; NONE_ALLOWED: any is too much (thunderstorm, icing)")
    value_text: str = Field(description='the value as the sentence writes it: "800 ft", "less '
                                        'than 1/4 SM", "from 200° at 25 kt gusting 32 kt", "TSRA"')
    limit_text: str = Field(description='the limit as written: "1000 ft", "3 SM", "15 kt", '
                                        '"none allowed"')
    modifier: Literal["less_than", "more_than", "up_to"] | None = Field(
        None, description="the value is a bound itself: less than (M1/4SM), or up to (a crosswind "
                          "that could not be worked out without the runways)")
    margin: float | None = Field(None, description="a MARGINAL reason: how near the limit, in "
                                                   "``unit``, counts as near")
    codes: list[str] = Field(default_factory=list,
                             description='weather codes or layers found: "TSRA", "BKN020CB", "FZRA"')
    wind_direction_deg: int | None = Field(None, description="a wind reason: from (true; null "
                                                             "when variable)")
    wind_speed_kt: int | None = None
    wind_gust_kt: int | None = None


class ReasonSourceRead(BaseModel):
    """The report a reason was read from: the METAR, or one period of the TAF."""

    model_config = ConfigDict(populate_by_name=True)

    product: Literal["METAR", "TAF"]
    observed_at: AwareDatetime | None = Field(None, description="the METAR's time (UTC)")
    kind: Literal["BASE", "FM", "BECMG", "TEMPO", "INTER", "PROB"] | None = Field(
        None, description="the TAF period's kind (BASE: the forecast's opening conditions)")
    label: str | None = Field(None, description='the period as the TAF writes it: "FM", '
                                                '"TEMPO", "PROB30", "PROB30 TEMPO"')
    start: AwareDatetime | None = Field(None, alias="from", description="the TAF period's start (UTC)")
    end: AwareDatetime | None = Field(None, alias="to", description="the TAF period's end (UTC)")
    chance: int | None = Field(None, description="a PROB period's percentage")
