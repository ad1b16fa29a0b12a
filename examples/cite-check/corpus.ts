// The web the demo agent searches: five pages about the 1854 Broad Street cholera outbreak, held
// locally so the demo needs no search API. Both the local server and the real API see the same
// pages; `fetch_source` returns a page as a scraper would, navigation and footer included.

export interface Source {
  id: number;
  url: string;
  title: string;
  text: string;
}

export const QUESTION =
  "How did John Snow's work on the 1854 Broad Street cholera outbreak change public health?";

export const SOURCES: readonly Source[] = [
  {
    id: 1,
    url: "https://history.example.org/broad-street-1854",
    title: "The Broad Street outbreak of 1854",
    text:
      "At the end of August 1854 cholera broke out in Soho, London. Within ten days more than " +
      "five hundred people living near the junction of Broad Street and Cambridge Street had " +
      "died, and by the time the outbreak ended 616 deaths were attributed to it. Many families " +
      "fled the district; shops closed and streets emptied. The physician John Snow, who lived " +
      "nearby in Sackville Street, had argued since 1849 that cholera spread through water " +
      "contaminated by the evacuations of the sick, not through a poisoned atmosphere. He " +
      "obtained the register of deaths and marked each one on a map of the streets. The deaths " +
      "clustered around the public pump in Broad Street. Households closer to another pump " +
      "were largely spared, except where the residents preferred the taste of the Broad Street " +
      "water and walked past their own pump to fetch it. A workhouse in Poland Street with its " +
      "own well lost few of its 535 inmates, and the men of the Lion Brewery, who were given " +
      "beer and never drew from the pump, escaped almost entirely. On the evening of 7 " +
      "September Snow presented his findings to the Board of Guardians of St James's parish, " +
      "and the handle of the pump was removed the next day. The outbreak was already declining " +
      "by then, as Snow himself acknowledged, because many residents had left.",
  },
  {
    id: 2,
    url: "https://archive.example.org/snow-mode-of-communication-1855",
    title: "On the Mode of Communication of Cholera, second edition (1855)",
    text:
      "Snow's second edition of On the Mode of Communication of Cholera, published in 1855, " +
      "set out two lines of evidence. The first was the Broad Street map, in which the deaths " +
      "of the outbreak were plotted house by house around the pump. The second, which Snow " +
      "called a grand experiment, compared households in south London supplied by two water " +
      "companies. The Southwark and Vauxhall Company drew its water from the Thames at " +
      "Battersea, downstream of the sewage outfalls, while the Lambeth Company had moved its " +
      "intake upstream to Thames Ditton in 1852. The pipes of both companies ran down the same " +
      "streets, so that neighbouring houses of similar wealth and habits drew different water. " +
      "In the first seven weeks of the 1854 epidemic Snow counted 315 deaths per ten thousand " +
      "houses supplied by Southwark and Vauxhall against 37 per ten thousand supplied by " +
      "Lambeth. He argued that no theory of bad air could explain a difference that followed " +
      "the water pipes rather than the streets. The book proposed that the cause of cholera " +
      "was a living agent that multiplied in the gut, a view that anticipated the germ theory " +
      "by three decades.",
  },
  {
    id: 3,
    url: "https://people.example.org/henry-whitehead",
    title: "Henry Whitehead, the curate who checked Snow's work",
    text:
      "Henry Whitehead was the curate of St Luke's church in Berwick Street during the outbreak " +
      "and visited the sick throughout it. He doubted Snow's theory and set out to refute it by " +
      "interviewing the surviving residents of Broad Street, household by household, about " +
      "where they drew their water and when they fell ill. His inquiry, carried out for the " +
      "parish committee that investigated the outbreak, ended by confirming Snow's conclusion: " +
      "those who drank from the pump had died at far higher rates than those who did not. " +
      "Whitehead also found what Snow had lacked, a probable first case. A five-month-old girl " +
      "at 40 Broad Street had fallen ill at the end of August; her mother had soaked the " +
      "child's soiled nappies in water that she emptied into a cesspool a few feet from the " +
      "well. When the cesspool was excavated its brickwork was found to be decayed. Whitehead " +
      "became a friend of Snow and later wrote that the removal of the pump handle, whatever " +
      "its effect on an outbreak already in decline, had pointed the way for sanitary reform.",
  },
  {
    id: 4,
    url: "https://health.example.org/board-of-health-miasma",
    title: "The General Board of Health and the miasma theory",
    text:
      "In the 1850s the prevailing explanation of cholera was miasma: the disease was believed " +
      "to arise from foul air given off by decaying matter. The General Board of Health, led " +
      "by men who had campaigned for drains and clean streets, examined Snow's evidence after " +
      "the Broad Street outbreak and rejected it in 1855, finding no reason to adopt his water " +
      "theory. The miasma view had nonetheless produced useful reforms, because removing filth " +
      "also removed sources of contaminated water. The Great Stink of the summer of 1858, when " +
      "the Thames smelled so badly that Parliament considered moving, led to the intercepting " +
      "sewers designed by Joseph Bazalgette, which carried sewage far downstream of London. " +
      "The last great London epidemic, in 1866, struck the East End, where the new sewers were " +
      "not finished and where William Farr traced the deaths to a water company that had " +
      "drawn unfiltered water from the River Lea. Farr, long a believer in miasma, accepted " +
      "from then on that cholera spread through water.",
  },
  {
    id: 5,
    url: "https://science.example.org/legacy-of-john-snow",
    title: "Why Snow is called the father of epidemiology",
    text:
      "John Snow died in 1858, before his water theory was widely accepted. His reputation " +
      "grew in the twentieth century, when epidemiologists adopted his methods: counting cases " +
      "by place and by exposure, comparing groups that differed in one factor, and testing a " +
      "hypothesis against the cases that did not fit it. The Broad Street map has become the " +
      "best known image in public health, although historians point out that Snow drew it " +
      "after the pump handle was removed and used it to illustrate an argument he had already " +
      "made. Robert Koch identified the cholera bacterium in 1883, confirming the living agent " +
      "that Snow had proposed; an Italian anatomist, Filippo Pacini, had described it in 1854 " +
      "without recognition. Modern cholera control still rests on Snow's conclusion that safe " +
      "water and sanitation, rather than quarantine or clean air, stop the disease.",
  },
];

/** What the search tool returns: every matching page as its scraper read it, numbered. */
export function searchResults(query: string): string {
  const lines = [`Search results for "${query}":`];
  for (const source of SOURCES) {
    lines.push("", `[${source.id}] ${source.title}`, source.url, fetchPage(source.id));
  }
  return lines.join("\n");
}

/** A page as fetched: its text inside the site's navigation, cookie notice and footer. */
export function fetchPage(id: number): string {
  const source = SOURCES.find((s) => s.id === id);
  if (!source) return `Error 404: no page for source [${id}]`;

  const site = new URL(source.url).hostname;
  const nav = ["Home", "Topics", "Timeline", "People", "Places", "Archive", "About", "Contact"];
  const links = SOURCES.filter((s) => s.id !== id).map((s) => `  - ${s.title} (${s.url})`);
  return [
    `${site} | ${nav.join(" | ")}`,
    "We use cookies to remember your settings and to count visits. By continuing to browse " +
      "this site you agree to our use of cookies. Read our privacy notice for details of the " +
      "data we keep, for how long, and how to ask for a copy or for its deletion.",
    `# ${source.title}`,
    source.text,
    "Related pages:",
    ...links,
    "Cite this page: " + `"${source.title}", ${site}, retrieved for research purposes.`,
    "Footer: Copyright the site's editors. Text is available under an open licence; images " +
      "may carry their own terms. Report an error, suggest a correction, or ask a question " +
      "through the contact page. Sign up to the newsletter for new articles each month. " +
      "Accessibility statement. Terms of use. Site map. Back to top.",
  ].join("\n\n");
}
