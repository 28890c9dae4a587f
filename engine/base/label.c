/* label: the one table of words in Polish and English (label.h). */
#include "label.h"

#include <stdio.h>

struct label_pair {
    const char *pl, *en;
};

static const struct label_pair labels[L_COUNT] = {
    [L_SUMMARY] = { "Podsumowanie", "Summary" },
    [L_ITEMS] = { "Pytania", "Items" },
    [L_DIMENSIONS] = { "Wymiary", "Dimensions" },
    [L_TRENDS] = { "Trendy", "Trends" },
    [L_DISTRIBUTIONS] = { "Rozkłady", "Distributions" },
    [L_NETWORK_CMP] = { "Porównanie z siecią", "Network comparison" },
    [L_METHODOLOGY] = { "Metodologia", "Methodology" },
    [L_CITIES] = { "Miasta", "Cities" },
    [L_RANKING] = { "Ranking", "Ranking" },
    [L_NETWORK_TREND] = { "Trend sieci", "Network trend" },
    [L_DATA] = { "Dane", "Data" },
    [L_CODEBOOK] = { "Słownik", "Codebook" },
    [L_CODE] = { "Kod", "Code" },
    [L_INDICATOR] = { "Wskaźnik", "Indicator" },
    [L_ITEM_TEXT] = { "Treść pytania", "Item" },
    [L_DIMENSION] = { "Wymiar", "Dimension" },
    [L_N] = { "Liczba odpowiedzi (n)", "Responses (n)" },
    [L_N_EFF] = { "Efektywne n (Kish)", "Effective n (Kish)" },
    [L_MEAN] = { "Średnia", "Mean" },
    [L_SD] = { "Odchylenie standardowe", "Standard deviation" },
    [L_MEDIAN] = { "Mediana", "Median" },
    [L_CI_LOW] = { "95% PU: od", "95% CI: low" },
    [L_CI_HIGH] = { "95% PU: do", "95% CI: high" },
    [L_FAV] = { "% pozytywnych", "% favourable" },
    [L_FAV_CI_LOW] = { "% pozytywnych: 95% PU od", "% favourable: 95% CI low" },
    [L_FAV_CI_HIGH] = { "% pozytywnych: 95% PU do", "% favourable: 95% CI high" },
    [L_CHANGE] = { "Zmiana od poprzedniej fali", "Change since the previous wave" },
    [L_P_ADJ] = { "p skorygowane (BH)", "Adjusted p (BH)" },
    [L_FAV_CHANGE] = { "Zmiana % pozytywnych", "Change in % favourable" },
    [L_FAV_P_ADJ] = { "p skorygowane: % pozytywnych", "Adjusted p: % favourable" },
    [L_SIGNIFICANT] = { "Istotna zmiana", "Significant change" },
    [L_TREND] = { "Trend", "Trend" },
    [L_SLOPE] = { "Nachylenie trendu (na rok)", "Trend slope (per year)" },
    [L_DISTRIBUTION] = { "Rozkład odpowiedzi", "Distribution of answers" },
    [L_VALUE] = { "Wartość", "Value" },
    [L_ALPHA] = { "Alfa Cronbacha", "Cronbach's alpha" },
    [L_ALPHA_CI_LOW] = { "Alfa: 95% PU od", "Alpha: 95% CI low" },
    [L_ALPHA_CI_HIGH] = { "Alfa: 95% PU do", "Alpha: 95% CI high" },
    [L_ALPHA_N] = { "Alfa: pełne odpowiedzi", "Alpha: complete cases" },
    [L_NITEMS] = { "Liczba pytań", "Items" },
    [L_RESPONDENTS] = { "Liczba respondentów", "Respondents" },
    [L_RESPONSE_RATE] = { "Wskaźnik odpowiedzi", "Response rate" },
    [L_HEADCOUNT] = { "Zatrudnienie w urzędzie", "Staff headcount" },
    [L_ENPS] = { "eNPS (gotowość polecenia pracodawcy)", "eNPS (employee net promoter score)" },
    [L_PROMOTERS] = { "Promotorzy", "Promoters" },
    [L_PASSIVES] = { "Neutralni", "Passives" },
    [L_DETRACTORS] = { "Krytycy", "Detractors" },
    [L_NETWORK] = { "Sieć", "Network" },
    [L_REST_MEAN] = { "Średnia pozostałych miast sieci", "Mean of the network's other cities" },
    [L_DIFF] = { "Różnica", "Difference" },
    [L_RANK] = { "Pozycja w sieci (1 = najwyższy wynik)", "Rank in the network (1 = highest)" },
    [L_OF] = { "Liczba miast", "Cities ranked" },
    [L_WAVE] = { "Fala", "Wave" },
    [L_CITY] = { "Miasto", "City" },
    [L_ALL_CITIES] = { "Wszystkie miasta", "All cities" },
    [L_MEMBERS] = { "Miasta członkowskie", "Member cities" },
    [L_OBSERVERS] = { "Obserwatorzy", "Observers" },
    [L_OBSERVERS_NOTE] = { "Miasta obserwatorzy: pokazane osobno, nie wchodzą do wyników sieci.",
                           "Observer cities: shown apart, not part of the network's figures." },
    [L_ANOVA_P_ADJ] = { "Różnice między miastami: p skorygowane",
                        "Differences between cities: adjusted p" },
    [L_YES] = { "tak", "yes" },
    [L_NO] = { "nie", "no" },
    [L_SURVEY] = { "Badanie", "Survey" },
    [L_THRESHOLD] = { "Próg anonimowości", "Anonymity threshold" },
    [L_DATA_DATE] = { "Dane według stanu na", "Data as of" },
    [L_CREATED] = { "Raport utworzono", "Report created" },
    [L_WEIGHTING] = { "Ważenie", "Weighting" },
    [L_HIDDEN_NOTE] = { "Ukryte: mniej respondentów niż próg anonimowości lub ukryte, by nie "
                        "dało się tego odtworzyć z innych liczb. Próg:",
                        "Hidden: fewer respondents than the anonymity threshold, or hidden so "
                        "that it cannot be recovered from other figures. Threshold:" },
    [L_OPTION_SHARE] = { "Odsetek odpowiedzi", "Share of answers" },
    [L_CHART_DATA] = { "Dane wykresu (ukryte wartości pominięte)",
                       "Chart data (hidden values left out)" },
    [L_AUTHOR] = { "Empirie (Związek Miast Polskich)", "Empirie (Association of Polish Cities)" },
    [L_COMPANY] = { "Związek Miast Polskich", "Association of Polish Cities" },
    [L_CITY_REPORT] = { "Raport miasta", "City report" },
    [L_NETWORK_REPORT] = { "Raport sieci", "Network report" },
    [L_MINISTRY_REPORT] = { "Zestawienie dla ministerstwa", "Ministry export" },
    [L_TERM] = { "Pojęcie", "Term" },
    [L_DEFINITION] = { "Definicja", "Definition" },
    [L_COLUMN] = { "Kolumna", "Column" },
    [L_TYPE] = { "Typ", "Type" },
    [L_NETWORK_TOTAL] = { "Cała sieć", "Whole network" },
    [L_NO_RESPONSES] = { "brak odpowiedzi", "no responses" },
    [L_VS_NETWORK] = { "Miasto a sieć", "City against the network" },
    [L_NETWORK_VALUE] = { "Wartość dla sieci", "Network's value" },
    [L_RISING] = { "rośnie", "rising" },
    [L_FALLING] = { "spada", "falling" },
    [L_NONE_TREND] = { "bez wyraźnego trendu", "no clear trend" },
    [L_SIG_UP] = { "istotny wzrost", "significant rise" },
    [L_SIG_DOWN] = { "istotny spadek", "significant fall" },
    [L_MEAN_OF_WAVES] = { "Średnie wymiarów w kolejnych falach",
                          "Dimension means across waves" },
    [L_ENPS_TREND] = { "eNPS w kolejnych falach", "eNPS across waves" },
    [L_VOIDED] = { "Odpowiedzi unieważnione (nieliczone)", "Void responses (not counted)" },
    [L_CHART_DATA_SHEET] = { "Dane wykresów", "Chart data" },
    [L_ENPS_AXIS] = { "eNPS (punkty, −100 do 100)", "eNPS (points, -100 to 100)" },
    [L_MEAN_RANK] = { "Średnia pozycja (1 = najwyższy wynik)", "Mean rank (1 = highest)" },
    [L_OBSERVER] = { "obserwator", "observer" },
    [L_DRIVERS] = { "Co wpływa na eNPS", "What drives eNPS" },
    [L_DRIVERS_NOTE] = { "Korelacja (r Pearsona) odpowiedzi na wymiar lub pytanie z odpowiedzią "
                         "na pytanie eNPS (0–10), od najsilniejszej. Korelacja nie dowodzi "
                         "przyczyny. Liczona dla grup od 30 osób.",
                         "Correlation (Pearson's r) of the answers to a dimension or item with "
                         "the answer to the eNPS question (0-10), strongest first. A "
                         "correlation does not prove a cause. Computed for groups of 30 or "
                         "more." },
    [L_DRIVERS_NONE] = { "Brak: grupa mniejsza niż 30 osób lub ukryta.",
                         "None: the group is smaller than 30 or hidden." },
    [L_KIND] = { "Rodzaj", "Kind" },
    [L_ITEM_KIND] = { "pytanie", "item" },
    [L_CORR] = { "Korelacja z eNPS (r)", "Correlation with eNPS (r)" },
    [L_SIGNIFICANT_R] = { "Istotna zależność", "Significant association" },
    [L_SIG_R_YES] = { "istotna zależność", "significant" },
    [L_SIG_R_NO] = { "brak istotnej zależności", "not significant" },
    [L_BREAKDOWN] = { "Podział", "Breakdown" },
    [L_BREAKDOWN_BY] = { "Według", "By" },
    [L_BREAKDOWN_NOTE] = { "Średnia pytania w każdej grupie miasta (np. wydziale, stażu) minus "
                           "średnia całego miasta: zielone powyżej, czerwone poniżej. Grupy "
                           "mniejsze niż próg anonimowości (lub ukryte, by ich nie odtworzyć) "
                           "mają kreskę.",
                           "The item's mean in each group of the city (e.g. department, "
                           "tenure) minus the whole city's: green above, red below. Groups "
                           "smaller than the anonymity threshold (or hidden so that they cannot "
                           "be recovered) show a dash." },
    [L_CITY_MEAN] = { "Średnia miasta", "City mean" },
    [L_NO_SIG_CHANGE] = { "brak istotnej zmiany", "no significant change" },
    [L_NOT_GIVEN] = { "brak odpowiedzi", "not given" },
    [L_SIG_DIFF] = { "Istotna różnica", "Significant difference" },
    [L_EFFECT] = { "Wielkość efektu (d Cohena)", "Effect size (Cohen's d)" },
    [L_NET_DIFF] = { "Różnica wobec sieci", "Difference from the network" },
};

const char *label_text(enum label id, int english)
{
    if ((unsigned)id >= L_COUNT || labels[id].pl == NULL)
        return "";
    return english ? labels[id].en : labels[id].pl;
}

const char *label_lower(enum label id, int english, char *buf, size_t n)
{
    const char *t = label_text(id, english);

    if (n == 0)
        return buf;
    snprintf(buf, n, "%s", t);
    if (buf[0] >= 'A' && buf[0] <= 'Z')
        buf[0] = (char)(buf[0] - 'A' + 'a');
    return buf;
}
